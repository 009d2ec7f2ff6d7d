import Foundation
import HNSCore
import NIOCore

/// What a subscriber receives: `{"subject","data","timestamp","message_id"}` with `data` the
/// published JSON exactly as stored (spliced in as raw bytes, never re-encoded).
public enum Envelope {
    public static func encode(subject: String, data: ByteBuffer, timestamp: Date, messageID: String) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(data.readableBytes + subject.utf8.count + messageID.utf8.count + 96)
        out.writeString("{\"subject\":")
        out.writeString(jsonString(subject))
        out.writeString(",\"data\":")
        var body = data
        if body.readableBytes == 0 { out.writeString("null") } else { out.writeBuffer(&body) }
        out.writeString(",\"timestamp\":")
        out.writeString(jsonString(rfc3339(timestamp)))
        out.writeString(",\"message_id\":")
        out.writeString(jsonString(messageID))
        out.writeString("}")
        return out
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-04-01T18:00:00.123Z`.
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// An RFC 3339 date-time, with or without fractional seconds; nil when `text` is not one.
    public static func date(rfc3339 text: String) -> Date? { RFC3339.parse(text) }

    /// `s` as a JSON string literal, quotes included (`JSONWriter`'s escaping).
    public static func jsonString(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        JSONWriter.appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The decoded form, for subscribers written in Swift (the monolith, tests), with `data` decoded
    /// straight into the payload type the subscriber expects.
    public struct Typed<Payload: Decodable & Sendable>: Decodable, Sendable {
        public let subject: String
        public let data: Payload
        public let timestamp: String
        public let message_id: String
    }

    public typealias Decoded = Typed<JSONValue>
}
