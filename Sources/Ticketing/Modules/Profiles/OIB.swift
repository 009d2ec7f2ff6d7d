/// The Croatian personal identification number (osobni identifikacijski broj).
public enum OIB {
    /// Exactly 11 ASCII digits whose last is the ISO 7064 MOD 11,10 check digit of the first 10.
    /// No trimming: callers decide whether to strip input before asking.
    public static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 11, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        let digits = bytes.map { Int($0 - 0x30) }
        return checkDigit(digits[0..<10]) == digits[10]
    }

    /// The check digit for 10 leading digits (each 0...9).
    static func checkDigit(_ digits: some Collection<Int>) -> Int {
        var a = 10
        for d in digits {
            a = (a + d) % 10
            if a == 0 { a = 10 }
            a = (a * 2) % 11
        }
        let check = 11 - a
        return check == 10 ? 0 : check
    }
}
