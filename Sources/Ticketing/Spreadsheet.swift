import Crypto
import Foundation
import HNSCore

/// A workbook as an Office Open XML spreadsheet (`.xlsx`, what Excel and LibreOffice open): a ZIP
/// of XML parts, one worksheet per sheet, cells numbers, amounts or inline text, the first row bold
/// (a header).
struct Spreadsheet: Sendable {
    enum Cell: Sendable, Equatable {
        case text(String)
        case number(Int)
        /// Cents shown as euros with two decimals.
        case euros(Int)
        /// No value.
        case blank
    }

    struct Sheet: Sendable {
        var name: String
        var rows: [[Cell]]
    }

    var sheets: [Sheet]

    static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    func xlsx() throws -> [UInt8] {
        let book = try WorkbookStream()
        var out: [UInt8] = []
        for sheet in self.sheets {
            try book.beginSheet(sheet.name)
            for row in sheet.rows {
                try book.row(row)
                out += book.take()
            }
        }
        try book.finish()
        return out + book.take()
    }

    /// Cents as a decimal number of euros: 123456 → 1234.56, -5 → -0.05.
    static func decimal(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let m = cents.magnitude
        let rest = m % 100
        return "\(sign)\(m / 100).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// `A`, `B`, … `Z`, `AA`, …
    static func column(_ index: Int) -> String {
        var n = index + 1
        var out = ""
        while n > 0 {
            let r = (n - 1) % 26
            out = String(UnicodeScalar(UInt8(65 + r))) + out
            n = (n - 1) / 26
        }
        return out
    }

    /// Sheet names as Excel accepts them: at most 31 characters, none of `[]:*?/\`, unique.
    static func sheetNames(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.enumerated().map { i, name in
            var clean = String(name.map { "[]:*?/\\".contains($0) ? "-" : $0 }.prefix(31))
            if clean.isEmpty || seen.contains(clean.lowercased()) { clean = String(clean.prefix(27)) + " (\(i + 1))" }
            seen.insert(clean.lowercased())
            return clean
        }
    }

    /// Text that a spreadsheet would take for a formula (a leading `=`, `+`, `-` or `@`, or a tab or
    /// carriage return) gets a leading `'`, so that it stays text; a negative whole number such as
    /// `-4500` stays as it is.
    static func literal(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        if first == "-", text.utf8.count > 1, text.utf8.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }) { return text }
        return "'" + text
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break; formulas defused (`literal`).
    static func csvField(_ value: String) -> String {
        let v = Self.literal(value)
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Text as XML character data: markup escaped, and characters XML 1.0 cannot hold left out.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// An `.xlsx` written sheet by sheet and row by row as it goes out: rows become worksheet XML,
/// deflated into a `ZipStream` as they come, and the workbook's small parts follow the sheets
/// (ZIP readers find parts by the central directory, not by order). Cells are numbers, amounts or
/// inline text (formulas defused, see `Spreadsheet.literal`); each sheet's first row is bold.
/// `take()` hands out what is ready; memory does not grow with the rows.
final class WorkbookStream {
    private let zip: ZipStream
    private var names: [String] = []
    private var sheetOpen = false
    private var rowNumber = 0
    private var xml = ""
    private var columns: [String] = (0..<26).map { Spreadsheet.column($0) }

    init() throws {
        self.zip = try ZipStream()
        self.xml.reserveCapacity(1 << 17)
    }

    /// Bytes ready to be taken.
    var ready: Int { self.zip.output.count }

    func take() -> [UInt8] { self.zip.take() }

    func beginSheet(_ name: String) throws {
        try self.endSheet()
        self.names.append(name)
        try self.zip.begin("xl/worksheets/sheet\(self.names.count).xml")
        self.xml += Self.header + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        self.sheetOpen = true
        self.rowNumber = 0
    }

    func row(_ cells: [Spreadsheet.Cell]) throws {
        if !self.sheetOpen { try self.beginSheet("Sheet1") }
        self.rowNumber += 1
        let r = String(self.rowNumber)
        let style = self.rowNumber == 1 ? #" s="1""# : ""
        self.xml += #"<row r=""# + r + #"">"#
        while self.columns.count < cells.count { self.columns.append(Spreadsheet.column(self.columns.count)) }
        for (c, cell) in cells.enumerated() {
            let ref = self.columns[c] + r
            switch cell {
            case .text(let text):
                self.xml += #"<c r=""# + ref + #"" t="inlineStr""# + style + #"><is><t xml:space="preserve">"#
                self.xml += Spreadsheet.escape(Spreadsheet.literal(text))
                self.xml += "</t></is></c>"
            case .number(let n): self.xml += #"<c r=""# + ref + #"""# + style + "><v>" + String(n) + "</v></c>"
            case .euros(let cents): self.xml += #"<c r=""# + ref + #"" s="2"><v>"# + Spreadsheet.decimal(cents) + "</v></c>"
            case .blank: continue
            }
        }
        self.xml += "</row>"
        if self.xml.utf8.count >= 1 << 16 { try self.flush() }
    }

    /// Closes the last sheet and writes the workbook's parts: the file is complete.
    func finish() throws {
        if self.names.isEmpty { try self.beginSheet("Sheet1") }
        try self.endSheet()
        let header = Self.header
        let names = Spreadsheet.sheetNames(self.names)
        var types = ""
        var entries = ""
        var relations = ""
        for i in names.indices {
            types +=
                #"<Override PartName="/xl/worksheets/sheet\#(i + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            entries += #"<sheet name="\#(Spreadsheet.escape(names[i]))" sheetId="\#(i + 1)" r:id="rId\#(i + 1)"/>"#
            relations +=
                #"<Relationship Id="rId\#(i + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#(i + 1).xml"/>"#
        }
        relations +=
            #"<Relationship Id="rId\#(names.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        let parts: [(String, String)] = [
            (
                "[Content_Types].xml",
                header + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
                    + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
                    + #"<Default Extension="xml" ContentType="application/xml"/>"#
                    + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
                    + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
                    + types + "</Types>"
            ),
            (
                "_rels/.rels",
                header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
                    + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
                    + "</Relationships>"
            ),
            (
                "xl/workbook.xml",
                header + #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#
                    + #"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"# + entries + "</sheets></workbook>"
            ),
            (
                "xl/_rels/workbook.xml.rels",
                header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"# + relations + "</Relationships>"
            ),
            // Style 0: plain; 1: bold (the header row); 2: an amount (#,##0.00).
            (
                "xl/styles.xml",
                header + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
                    + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#
                    + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
                    + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
                    + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
                    + #"<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
                    + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
                    + #"<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>"#
                    + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"# + "</styleSheet>"
            ),
        ]
        for (path, xml) in parts {
            try self.zip.begin(path)
            try self.zip.write(xml)
        }
        try self.zip.finish()
    }

    private func endSheet() throws {
        guard self.sheetOpen else { return }
        self.xml += "</sheetData></worksheet>"
        try self.flush()
        try self.zip.end()
        self.sheetOpen = false
    }

    private func flush() throws {
        try self.zip.write(self.xml)
        self.xml.removeAll(keepingCapacity: true)
    }

    private static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
}

/// One table (a header row, then rows) streamed out as CSV or as a one-sheet `.xlsx`, with the
/// count of its rows and the SHA-256 of the bytes handed out: what a versioned export records.
final class TableStream {
    enum Format: String, Sendable {
        case xlsx, csv
        var contentType: String { self == .xlsx ? Spreadsheet.contentType : "text/csv; charset=utf-8" }
    }

    let format: Format
    private let book: WorkbookStream?
    private var csv: [UInt8] = []
    private var hash = SHA256()
    private(set) var rows = 0
    private(set) var bytes = 0

    init(format: Format, sheet: String, columns: [String]) throws {
        self.format = format
        self.book = format == .xlsx ? try WorkbookStream() : nil
        try self.book?.beginSheet(sheet)
        try self.write(columns.map { .text($0) })
    }

    var ready: Int { self.book?.ready ?? self.csv.count }

    func row(_ cells: [Spreadsheet.Cell]) throws {
        try self.write(cells)
        self.rows += 1
    }

    func finish() throws { try self.book?.finish() }

    func take() -> [UInt8] {
        let out: [UInt8]
        if let book = self.book {
            out = book.take()
        } else {
            out = self.csv
            self.csv.removeAll(keepingCapacity: true)
        }
        self.hash.update(data: out)
        self.bytes += out.count
        return out
    }

    /// The SHA-256 of everything taken, in hex.
    var checksum: String { self.hash.finalize().hexString }

    private func write(_ cells: [Spreadsheet.Cell]) throws {
        if let book = self.book { return try book.row(cells) }
        var line = ""
        for (i, cell) in cells.enumerated() {
            if i > 0 { line += "," }
            switch cell {
            case .text(let text): line += Spreadsheet.csvField(text)
            case .number(let n): line += String(n)
            case .euros(let cents): line += Spreadsheet.decimal(cents)
            case .blank: break
            }
        }
        line += "\r\n"
        self.csv.append(contentsOf: line.utf8)
    }
}
