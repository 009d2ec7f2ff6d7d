/// Comparisons of secrets (tokens, signatures) whose time does not depend on where they differ.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes; only their lengths may leak through timing.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }

    /// The same for strings, by their UTF-8 bytes.
    public static func equal(_ a: String, _ b: String) -> Bool { Self.equal(a.utf8, b.utf8) }
}
