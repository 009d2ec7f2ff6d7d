/// Finds the raw bytes of one member in each object of a JSON array, so a batch publish stores each
/// item's `data` byte for byte, as a single publish does. Call it only on text already validated as
/// JSON: it trusts the structure and only tracks strings and nesting.
enum RawJSON {
    static func memberSlices(_ b: [UInt8], key: String) -> [Range<Int>?]? {
        let wanted = Array(key.utf8)
        var i = 0
        func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func skipString() -> Range<Int>? {  // at the opening quote; returns the content range
            guard i < b.count, b[i] == 0x22 else { return nil }
            let start = i + 1
            i += 1
            while i < b.count, b[i] != 0x22 { i += b[i] == 0x5C ? 2 : 1 }
            defer { i += 1 }
            return i < b.count ? start..<i : nil
        }
        func skipValue() -> Bool {
            guard i < b.count else { return false }
            if b[i] == 0x22 { return skipString() != nil }
            if b[i] == 0x7B || b[i] == 0x5B {
                var depth = 0
                while i < b.count {
                    switch b[i] {
                    case 0x22: guard skipString() != nil else { return false }; continue
                    case 0x7B, 0x5B: depth += 1
                    case 0x7D, 0x5D: depth -= 1
                    default: break
                    }
                    i += 1
                    if depth == 0 { return true }
                }
                return false
            }
            while i < b.count, ![0x2C, 0x7D, 0x5D, 0x20, 0x0A, 0x0D, 0x09].contains(b[i]) { i += 1 }
            return true
        }
        var out: [Range<Int>?] = []
        ws()
        guard i < b.count, b[i] == 0x5B else { return nil }
        i += 1
        ws()
        if i < b.count, b[i] == 0x5D { return [] }
        while i < b.count {
            ws()
            guard i < b.count, b[i] == 0x7B else { return nil }
            i += 1
            var found: Range<Int>?
            ws()
            if i < b.count, b[i] == 0x7D { i += 1 } else {
                while true {
                    ws()
                    guard let name = skipString() else { return nil }
                    ws()
                    guard i < b.count, b[i] == 0x3A else { return nil }
                    i += 1
                    ws()
                    let start = i
                    guard skipValue() else { return nil }
                    if Array(b[name]) == wanted { found = start..<i }
                    ws()
                    guard i < b.count else { return nil }
                    if b[i] == 0x2C { i += 1; continue }
                    if b[i] == 0x7D { i += 1; break }
                    return nil
                }
            }
            out.append(found)
            ws()
            guard i < b.count else { return nil }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x5D { return out }
            return nil
        }
        return nil
    }
}
