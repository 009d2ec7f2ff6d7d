import Foundation

/// Writes JSON straight into bytes, for the answers of hot routes: Foundation's `JSONEncoder` with
/// snake-case keys converts every key on every call and boxes every value (it was most of the
/// monolith's JSON time in a sell-out). The caller writes the keys, already in the order wanted;
/// nothing is checked but commas, which the writer places.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// One entry per open object or array: whether something was written in it yet.
    private var started: [Bool] = []
    /// A key was just written: the next value belongs to it.
    private var afterKey = false

    public init(capacity: Int = 512) { self.bytes.reserveCapacity(capacity) }

    private mutating func beforeValue() {
        if self.afterKey {
            self.afterKey = false
        } else if let last = self.started.last {
            if last { self.bytes.append(UInt8(ascii: ",")) }
            self.started[self.started.count - 1] = true
        }
    }

    public mutating func beginObject() {
        self.beforeValue()
        self.bytes.append(UInt8(ascii: "{"))
        self.started.append(false)
    }

    public mutating func endObject() {
        self.started.removeLast()
        self.bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        self.beforeValue()
        self.bytes.append(UInt8(ascii: "["))
        self.started.append(false)
    }

    public mutating func endArray() {
        self.started.removeLast()
        self.bytes.append(UInt8(ascii: "]"))
    }

    public mutating func key(_ name: String) {
        self.beforeValue()
        Self.appendQuoted(name, to: &self.bytes)
        self.bytes.append(UInt8(ascii: ":"))
        self.afterKey = true
    }

    public mutating func string(_ value: String) {
        self.beforeValue()
        Self.appendQuoted(value, to: &self.bytes)
    }

    public mutating func int<I: BinaryInteger>(_ value: I) {
        self.beforeValue()
        self.bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        self.beforeValue()
        self.bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A value already in JSON.
    public mutating func raw(_ json: [UInt8]) {
        self.beforeValue()
        self.bytes.append(contentsOf: json)
    }

    public mutating func null() {
        self.beforeValue()
        self.bytes.append(contentsOf: "null".utf8)
    }

    /// As `JSONEncoder` writes a `UUID`: its `uuidString` (upper case).
    public mutating func uuid(_ value: UUID) { self.string(value.uuidString) }

    /// As `JSONEncoder`'s `.iso8601` strategy writes a date: UTC, whole seconds (the fraction cut off).
    public mutating func date(_ value: Date) {
        self.beforeValue()
        var seconds = time_t(value.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> [UInt8] { [UInt8(48 + n / 10), UInt8(48 + n % 10)] }
        let year = String(Int(parts.tm_year) + 1900)
        self.bytes.append(UInt8(ascii: "\""))
        self.bytes.append(contentsOf: String(repeating: "0", count: max(0, 4 - year.count)).utf8)
        self.bytes.append(contentsOf: year.utf8)
        self.bytes.append(UInt8(ascii: "-"))
        self.bytes.append(contentsOf: two(parts.tm_mon + 1))
        self.bytes.append(UInt8(ascii: "-"))
        self.bytes.append(contentsOf: two(parts.tm_mday))
        self.bytes.append(UInt8(ascii: "T"))
        self.bytes.append(contentsOf: two(parts.tm_hour))
        self.bytes.append(UInt8(ascii: ":"))
        self.bytes.append(contentsOf: two(parts.tm_min))
        self.bytes.append(UInt8(ascii: ":"))
        self.bytes.append(contentsOf: two(parts.tm_sec))
        self.bytes.append(contentsOf: "Z\"".utf8)
    }

    /// `key` with `value`, or nothing when `value` is nil (as synthesized `Encodable` leaves it out).
    public mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        self.key(name)
        self.string(value)
    }

    public mutating func field(_ name: String, _ value: Date?) {
        guard let value else { return }
        self.key(name)
        self.date(value)
    }

    public mutating func field<I: BinaryInteger>(_ name: String, _ value: I) {
        self.key(name)
        self.int(value)
    }

    public mutating func field(_ name: String, _ value: UUID) {
        self.key(name)
        self.uuid(value)
    }

    /// `s` as a JSON string literal: quotes, backslashes and control characters escaped, everything
    /// else as its UTF-8 bytes (slashes unescaped).
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
