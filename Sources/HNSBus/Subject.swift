/// NATS subject grammar: dot-separated, non-empty tokens without whitespace. In a filter, `*` is
/// exactly one token and `>` (last token only) one or more trailing tokens. Published subjects must
/// be literal. Mirrors nats-server `IsValidSubject` / `SubjectMatchesFilter`.
public enum Subject {
    public static let maxLength = 256

    /// A valid filter (wildcards allowed).
    public static func isValidFilter(_ subject: String) -> Bool {
        // At most `maxLength` characters (Unicode scalars, as JSON Schema's maxLength counts them).
        guard !subject.isEmpty, subject.unicodeScalars.count <= maxLength else { return false }
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        for (i, token) in tokens.enumerated() {
            guard !token.isEmpty else { return false }
            // No whitespace or control character: a subject is stored and logged as text.
            if token.unicodeScalars.contains(where: { $0.value <= 0x20 || (0x7F...0x9F).contains($0.value) }) { return false }
            if token.count > 1, token.contains(where: { $0 == "*" || $0 == ">" }) { return false }
            if token == ">", i != tokens.count - 1 { return false }
        }
        return true
    }

    /// A valid literal subject for publishing: a filter without wildcards.
    public static func isValidLiteral(_ subject: String) -> Bool {
        guard self.isValidFilter(subject) else { return false }
        return !subject.split(separator: ".").contains { $0 == "*" || $0 == ">" }
    }

    /// Does literal `subject` match `filter`? Token by token over the bytes, without splitting: the
    /// bus asks this for every message it takes (stream subjects, publisher permissions).
    public static func matches(_ subject: String, filter: String) -> Bool {
        let s = subject.utf8
        let f = filter.utf8
        var sPos: String.UTF8View.Index? = s.startIndex  // nil: every token consumed
        var fPos: String.UTF8View.Index? = f.startIndex
        while let fp = fPos {
            let fEnd = f[fp...].firstIndex(of: 0x2E)
            let fToken = f[fp..<(fEnd ?? f.endIndex)]
            let single = fp != fToken.endIndex && fToken.index(after: fp) == fToken.endIndex
            if single, f[fp] == 0x3E { return sPos != nil }  // '>': one or more tokens left
            guard let sp = sPos else { return false }
            let sEnd = s[sp...].firstIndex(of: 0x2E)
            if !(single && f[fp] == 0x2A), !fToken.elementsEqual(s[sp..<(sEnd ?? s.endIndex)]) { return false }
            fPos = fEnd.map { f.index(after: $0) }
            sPos = sEnd.map { s.index(after: $0) }
        }
        return sPos == nil
    }

    /// Does every subject matched by `inner` also match `outer`? (Used to check that a publisher's or
    /// subscription's patterns lie inside the stream's subjects.)
    public static func isSubset(_ inner: String, of outer: String) -> Bool {
        let a = inner.split(separator: ".", omittingEmptySubsequences: false)
        let b = outer.split(separator: ".", omittingEmptySubsequences: false)
        var i = 0
        while i < b.count {
            if b[i] == ">" { return a.count > i }
            guard i < a.count else { return false }
            if a[i] == ">" { return false }
            if b[i] != "*", b[i] != a[i] { return false }
            i += 1
        }
        return a.count == b.count
    }

    /// Could some literal subject match both filters?
    public static func overlaps(_ x: String, _ y: String) -> Bool {
        let a = x.split(separator: ".", omittingEmptySubsequences: false)
        let b = y.split(separator: ".", omittingEmptySubsequences: false)
        var i = 0
        while i < a.count, i < b.count {
            if a[i] == ">" || b[i] == ">" { return true }
            if a[i] != "*", b[i] != "*", a[i] != b[i] { return false }
            i += 1
        }
        return a.count == b.count
    }
}
