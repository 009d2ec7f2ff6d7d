import NIOCore

/// One RESP2 reply. Bulk strings stay `ByteBuffer`s so binary payloads survive untouched.
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    case bulkString(ByteBuffer)
    /// Null bulk string (`$-1`) or null array (`*-1`); Redis uses both for "nothing".
    case null
    case array([RESPValue])

    /// Text of a simple or bulk string (UTF-8, lossy), or an integer's decimal form.
    public var string: String? {
        switch self {
        case .simpleString(let s): s
        case .bulkString(let b): String(buffer: b)
        case .integer(let i): String(i)
        default: nil
        }
    }

    /// An integer reply, or a string reply that parses as one (Redis returns many numbers as bulk strings).
    public var int: Int? {
        if case .integer(let i) = self { return i }
        return string.flatMap { Int($0) }
    }

    /// Scores and other floats come back as bulk strings such as `1.5` or `inf`.
    public var double: Double? {
        if case .integer(let i) = self { return Double(i) }
        return string.flatMap { Double($0) }
    }

    public var array: [RESPValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var bytes: ByteBuffer? {
        switch self {
        case .bulkString(let b): b
        case .simpleString(let s): ByteBuffer(string: s)
        default: nil
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Throws the typed `RedisError` if this is an error reply, e.g. for `pipeline` results.
    @discardableResult
    public func throwIfError() throws(RedisError) -> RESPValue {
        if case .error(let message) = self { throw RedisError(errorReply: message) }
        return self
    }
}

extension RESPValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .simpleString(let s): "+\(s)"
        case .error(let e): "-\(e)"
        case .integer(let i): ":\(i)"
        case .bulkString(let b): "$\(String(buffer: b).debugDescription)"
        case .null: "(nil)"
        case .array(let a): "[\(a.map(\.description).joined(separator: ", "))]"
        }
    }
}

/// One command argument, sent as a RESP bulk string (binary safe).
public struct RESPArg: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    enum Storage: Sendable, Hashable {
        case string(String)
        case bytes(ByteBuffer)
    }

    let storage: Storage

    public init(_ string: String) { storage = .string(string) }
    public init(_ string: Substring) { storage = .string(String(string)) }
    public init(_ int: Int) { storage = .string(String(int)) }
    /// `Double.infinity` becomes `inf`, which Redis accepts as a score bound.
    public init(_ double: Double) { storage = .string(String(double)) }
    public init(_ bytes: ByteBuffer) { storage = .bytes(bytes) }
    public init(stringLiteral value: String) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(value) }
}

/// Types that can be passed directly as command arguments.
public protocol RESPArgConvertible: Sendable {
    var respArg: RESPArg { get }
}

extension RESPArg: RESPArgConvertible { public var respArg: RESPArg { self } }
extension String: RESPArgConvertible { public var respArg: RESPArg { RESPArg(self) } }
extension Substring: RESPArgConvertible { public var respArg: RESPArg { RESPArg(self) } }
extension Int: RESPArgConvertible { public var respArg: RESPArg { RESPArg(self) } }
extension Double: RESPArgConvertible { public var respArg: RESPArg { RESPArg(self) } }
extension ByteBuffer: RESPArgConvertible { public var respArg: RESPArg { RESPArg(self) } }
