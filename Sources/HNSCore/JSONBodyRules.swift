import Foundation

/// What every JSON body of every daemon must meet before it is decoded, checked in one place: no
/// control character in any string or key (PostgreSQL refuses NUL, and none belongs in a name, a
/// code or an id; tab, line feed and carriage return stay allowed for free text), and no string
/// longer than `maxStringLength`. A breach is a 422 naming the field. Fields get tighter bounds from
/// the module that owns them; this is the floor under all of them.
public enum JSONBodyRules {
    public static let maxStringLength = 10_000

    /// The fields that break the rules (empty when none does, or when the body is not JSON at all,
    /// which the decoder then reports). One pass over the bytes; only a body that has a suspect
    /// string is parsed to name its fields.
    public static func violations(in bytes: some Collection<UInt8>) -> [Problem.FieldError] {
        guard Self.hasSuspectString(bytes) else { return [] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { return [] }
        var errors: [Problem.FieldError] = []
        Self.walk(value, path: "", into: &errors)
        return errors
    }

    /// Whether a string of the body holds a control character (escaped, or DEL and C1 written raw) or
    /// is long enough to pass the limit; a cheap over-approximation of `walk`.
    static func hasSuspectString(_ bytes: some Collection<UInt8>) -> Bool {
        var inString = false
        var length = 0
        var iterator = bytes.makeIterator()
        var previous: UInt8 = 0
        while let byte = iterator.next() {
            defer { previous = byte }
            guard inString else {
                if byte == UInt8(ascii: "\"") {
                    inString = true
                    length = 0
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = false
            case UInt8(ascii: "\\"):
                guard let escaped = iterator.next() else { return false }
                length += 1
                if escaped == UInt8(ascii: "u") {
                    var hex: UInt32 = 0
                    for _ in 0..<4 {
                        guard let digit = iterator.next(), let value = Self.hexValue(digit) else { return true }
                        hex = hex << 4 | value
                    }
                    if let scalar = Unicode.Scalar(hex), Self.isRefused(scalar) { return true }
                }
            case 0x7F:
                return true
            case 0x80...0x9F where previous == 0xC2:
                return true  // U+0080–U+009F in UTF-8
            default:
                if byte & 0xC0 != 0x80 { length += 1 }  // one per character, not per continuation byte
                if length > Self.maxStringLength { return true }
            }
        }
        return false
    }

    /// C0 controls but tab, line feed and carriage return; DEL; C1 controls.
    public static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The fields holding a number with a fraction, or one beyond the 64-bit integers.
    public static func numbersThatAreNotWhole(in value: JSONValue, path: String = "") -> [String] {
        switch value {
        case .number(let n):
            return n.rounded(.towardZero) != n || abs(n) >= 9.2e18 ? [path.isEmpty ? "body" : path] : []
        case .array(let items):
            return items.enumerated().flatMap { Self.numbersThatAreNotWhole(in: $1, path: path + "[\($0)]") }
        case .object(let members):
            return members.sorted { $0.key < $1.key }.flatMap { Self.numbersThatAreNotWhole(in: $1, path: path.isEmpty ? $0 : path + "." + $0) }
        case .null, .bool, .string:
            return []
        }
    }

    /// Whether every number of `value` is held exactly by a Double (below 2^53), so that writing
    /// the value out again changes none.
    static func allNumbersExact(in value: JSONValue) -> Bool {
        switch value {
        case .number(let n): return abs(n) < 9_007_199_254_740_992
        case .array(let items): return items.allSatisfy(Self.allNumbersExact(in:))
        case .object(let members): return members.values.allSatisfy(Self.allNumbersExact(in:))
        case .null, .bool, .string: return true
        }
    }

    private static func walk(_ value: JSONValue, path: String, into errors: inout [Problem.FieldError]) {
        switch value {
        case .string(let s):
            if let message = Self.problem(with: s) { errors.append(Problem.FieldError(field: path.isEmpty ? "body" : path, message: message)) }
        case .array(let items):
            for (i, item) in items.enumerated() { Self.walk(item, path: path + "[\(i)]", into: &errors) }
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                let field = path.isEmpty ? key : path + "." + key
                if Self.problem(with: key) != nil {
                    errors.append(Problem.FieldError(field: path.isEmpty ? "body" : path, message: "has a member name with a control character"))
                    continue
                }
                Self.walk(member, path: field, into: &errors)
            }
        case .null, .bool, .number:
            break
        }
    }

    private static func problem(with s: String) -> String? {
        if s.unicodeScalars.contains(where: Self.isRefused) { return "must not contain control characters" }
        if s.count > Self.maxStringLength { return "must be at most \(Self.maxStringLength) characters" }
        return nil
    }
}
