import Foundation
import ZIPFoundation

/// A workbook as an Office Open XML spreadsheet (`.xlsx`, what Excel and LibreOffice open): a ZIP
/// of XML parts, one worksheet per sheet, cells numbers, amounts or inline text, the first row bold
/// (a header).
struct Spreadsheet: Sendable {
    enum Cell: Sendable, Equatable {
        case text(String)
        case number(Int)
        /// Cents shown as euros with two decimals.
        case euros(Int)
    }

    struct Sheet: Sendable {
        var name: String
        var rows: [[Cell]]
    }

    var sheets: [Sheet]

    static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    func xlsx() throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ xml: String) throws {
            let data = Data(xml.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        let names = Self.sheetNames(self.sheets.map(\.name))
        var types = ""
        var entries = ""
        var relations = ""
        for (i, _) in self.sheets.enumerated() {
            types +=
                #"<Override PartName="/xl/worksheets/sheet\#(i + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            entries += #"<sheet name="\#(Self.escape(names[i]))" sheetId="\#(i + 1)" r:id="rId\#(i + 1)"/>"#
            relations +=
                #"<Relationship Id="rId\#(i + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#(i + 1).xml"/>"#
        }
        let styles = self.sheets.count + 1
        relations +=
            #"<Relationship Id="rId\#(styles)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        try add(
            "[Content_Types].xml",
            header + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
                + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
                + #"<Default Extension="xml" ContentType="application/xml"/>"#
                + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
                + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
                + types + "</Types>")
        try add(
            "_rels/.rels",
            header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
                + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
                + "</Relationships>")
        try add(
            "xl/workbook.xml",
            header + #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#
                + #"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"# + entries + "</sheets></workbook>")
        try add(
            "xl/_rels/workbook.xml.rels",
            header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"# + relations + "</Relationships>")
        // Style 0: plain; 1: bold (the header row); 2: an amount (#,##0.00).
        try add(
            "xl/styles.xml",
            header + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
                + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#
                + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
                + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
                + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
                + #"<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
                + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
                + #"<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>"# + "</styleSheet>")
        for (i, sheet) in self.sheets.enumerated() {
            var xml = header + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            for (r, row) in sheet.rows.enumerated() {
                xml += #"<row r="\#(r + 1)">"#
                for (c, cell) in row.enumerated() {
                    let ref = Self.column(c) + String(r + 1)
                    let style = r == 0 ? #" s="1""# : ""
                    switch cell {
                    case .text(let text):
                        xml += #"<c r="\#(ref)" t="inlineStr"\#(style)><is><t xml:space="preserve">\#(Self.escape(text))</t></is></c>"#
                    case .number(let n): xml += #"<c r="\#(ref)"\#(style)><v>\#(n)</v></c>"#
                    case .euros(let cents): xml += #"<c r="\#(ref)" s="2"><v>\#(Self.decimal(cents))</v></c>"#
                    }
                }
                xml += "</row>"
            }
            try add("xl/worksheets/sheet\(i + 1).xml", xml + "</sheetData></worksheet>")
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return Array(data)
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
