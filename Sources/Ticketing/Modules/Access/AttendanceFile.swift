import Foundation
import HNSCore
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A stadium's attendance export as a table of text: CSV (comma or semicolon separated, as Excel
/// writes it in Croatian locales; an optional UTF-8 byte order mark) or the first sheet of an
/// `.xlsx` (shared or inline strings; numbers as written, dates as Excel's day serials).
struct AttendanceFile: Sendable {
    enum Format: String, Sendable { case csv, xlsx }

    let format: Format
    /// The first row's cells.
    let header: [String]
    /// Every further row that is not blank, with its row number in the file (the header is row 1).
    let rows: [(number: Int, cells: [String])]

    enum Failure: Error { case unreadable(String) }

    /// Reads a CSV or XLSX body (a ZIP's signature means XLSX).
    static func read(_ bytes: [UInt8]) throws -> AttendanceFile {
        let table: [[String]]
        let format: Format
        if bytes.starts(with: [0x50, 0x4b, 0x03, 0x04]) {
            format = .xlsx
            table = try Self.xlsxRows(Data(bytes))
        } else {
            format = .csv
            guard let text = String(validating: bytes.starts(with: [0xef, 0xbb, 0xbf]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self)
            else { throw Failure.unreadable("The file is neither an XLSX workbook nor UTF-8 text.") }
            table = Self.csvRows(text)
        }
        guard let header = table.first else { throw Failure.unreadable("The file is empty.") }
        var rows: [(number: Int, cells: [String])] = []
        rows.reserveCapacity(table.count)
        for (i, cells) in table.enumerated().dropFirst() where cells.contains(where: { !$0.isEmpty }) { rows.append((i + 1, cells)) }
        return AttendanceFile(format: format, header: header.map { $0.trimmingCharacters(in: .whitespaces) }, rows: rows)
    }

    /// RFC 4180 with the separator the header line uses most (`,` or `;`); quoted fields may hold
    /// separators, quotes (doubled) and line breaks.
    static func csvRows(_ text: String) -> [[String]] {
        let utf8 = Array(text.utf8)
        let firstLine = utf8.prefix { $0 != 0x0a }
        let separator: UInt8 = firstLine.count { $0 == 0x3b } > firstLine.count { $0 == 0x2c } ? 0x3b : 0x2c
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var i = 0
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < utf8.count {
            let b = utf8[i]
            if quoted {
                if b == 0x22 {
                    if i + 1 < utf8.count && utf8[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(b)
                }
            } else if b == 0x22 && field.isEmpty {
                quoted = true
            } else if b == separator {
                endField()
            } else if b == 0x0a || b == 0x0d {
                if b == 0x0d && i + 1 < utf8.count && utf8[i + 1] == 0x0a { i += 1 }
                endField()
                rows.append(row)
                row.removeAll(keepingCapacity: true)
            } else {
                field.append(b)
            }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty {
            endField()
            rows.append(row)
        }
        return rows
    }

    /// The first worksheet's rows (cells by column letter; gaps are empty strings).
    static func xlsxRows(_ data: Data) throws -> [[String]] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw Failure.unreadable("The XLSX file is not a readable ZIP archive.") }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var out = Data()
            _ = try archive.extract(entry, skipCRC32: false) { out.append($0) }
            return out
        }
        // The first sheet the workbook lists, through its relationship; sheet1.xml where that fails.
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let workbook = try part("xl/workbook.xml"), let rels = try part("xl/_rels/workbook.xml.rels") {
            let sheets = XMLAttributes(element: "sheet", data: workbook).all
            let relations = XMLAttributes(element: "Relationship", data: rels).all
            if let id = sheets.first?["r:id"], let target = relations.first(where: { $0["Id"] == id })?["Target"] {
                sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
        }
        guard let sheet = try part(sheetPath) else { throw Failure.unreadable("The XLSX file has no worksheet.") }
        let shared = try part("xl/sharedStrings.xml").map { SharedStrings(data: $0).strings } ?? []
        let reader = SheetReader(shared: shared)
        let parser = XMLParser(data: sheet)
        parser.delegate = reader
        guard parser.parse() else { throw Failure.unreadable("The XLSX worksheet is not well-formed XML.") }
        return reader.rows
    }

    /// Column letters of a cell reference as a 0-based index: `C7` → 2.
    static func columnIndex(_ reference: String) -> Int? {
        var n = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard scalar.value >= 65 && scalar.value <= 90 else { break }
            n = n * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : n - 1
    }
}

/// Every `element`'s attributes in a small XML part.
private final class XMLAttributes: NSObject, XMLParserDelegate {
    let element: String
    var all: [[String: String]] = []

    init(element: String, data: Data) {
        self.element = element
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if name == self.element { self.all.append(attributes) }
    }
}

/// `xl/sharedStrings.xml`: each `<si>`'s text (the runs of rich text joined).
private final class SharedStrings: NSObject, XMLParserDelegate {
    var strings: [String] = []
    private var current: String?
    private var inText = false

    init(data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch name {
        case "si": self.current = ""
        case "t": self.inText = self.current != nil
        case "rPh": self.inText = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if self.inText { self.current? += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "t": self.inText = false
        case "si":
            self.strings.append(self.current ?? "")
            self.current = nil
        default: break
        }
    }
}

/// A worksheet's `<row>`s of `<c>`ells: shared strings (`t="s"`), inline strings, and values as written.
private final class SheetReader: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows: [[String]] = []
    private var row: [String] = []
    private var column = 0
    private var type: String?
    private var value = ""
    private var inValue = false

    init(shared: [String]) { self.shared = shared }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch name {
        case "row":
            self.row = []
            // A row number that skips rows leaves blank rows, so row numbers stay the file's.
            if let r = attributes["r"].flatMap(Int.init) { while self.rows.count < r - 1 { self.rows.append([]) } }
        case "c":
            self.column = attributes["r"].flatMap(AttendanceFile.columnIndex) ?? self.row.count
            self.type = attributes["t"]
            self.value = ""
        case "v", "t":
            self.inValue = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if self.inValue { self.value += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": self.inValue = false
        case "c":
            var text = self.value
            if self.type == "s", let i = Int(text), self.shared.indices.contains(i) { text = self.shared[i] }
            while self.row.count < self.column { self.row.append("") }
            if self.row.count == self.column { self.row.append(text) } else if self.column < self.row.count { self.row[self.column] = text }
        case "row": self.rows.append(self.row)
        default: break
        }
    }
}
