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
        // Floored where Foundation floors it (seconds since 2001), so a date a hair below a whole
        // second cannot round up on the way to 1970's epoch.
        let sinceReference = value.timeIntervalSinceReferenceDate.rounded(.down)
        // Gregorian years 1583...9999 only: before that Foundation's calendar is Julian, and outside
        // it the fixed-width form does not hold (nor does time_t for NaN or huge values).
        guard sinceReference.isFinite, (-13_190_860_800.0...252_423_993_599.0).contains(sinceReference) else {
            Self.appendQuoted(value.formatted(.iso8601), to: &self.bytes)
            return
        }
        var seconds = time_t(sinceReference) + 978_307_200
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ n: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                self.bytes.append(UInt8(48 + (n / divisor) % 10))
                divisor /= 10
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
        digits(parts.tm_year + 1900, 4)
        self.bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mon + 1, 2)
        self.bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mday, 2)
        self.bytes.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2)
        self.bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2)
        self.bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2)
        self.bytes.append(UInt8(ascii: "Z"))
        self.bytes.append(UInt8(ascii: "\""))
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

    /// `name` with an array of one object per item, whose fields `body` writes.
    public mutating func field<T>(_ name: String, objects items: [T], _ body: (inout JSONWriter, T) -> Void) {
        self.key(name)
        self.beginArray()
        for item in items {
            self.beginObject()
            body(&self, item)
            self.endObject()
        }
        self.endArray()
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
