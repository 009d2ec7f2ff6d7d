import Foundation
import HNSCore
import Testing

@Suite struct JSONWriterTests {
    @Test func commas_go_between_values_at_every_depth() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("a")
        w.beginArray()
        w.int(1)
        w.string("x")
        w.beginArray()
        w.endArray()
        w.beginObject()
        w.endObject()
        w.null()
        w.bool(false)
        w.endArray()
        w.field("b", nil as String?)
        w.field("c", "d")
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"a":[1,"x",[],{},null,false],"c":"d"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any]
        #expect((parsed?["a"] as? [Any])?.count == 6)
    }

    @Test func strings_round_trip_through_a_json_parser() throws {
        for s in ["", "plain", "quote \" and \\ back", "ctl \u{0}\u{1}\u{7f} tab\t", "Šimić 🎟️ /slash/"] {
            var bytes: [UInt8] = []
            JSONWriter.appendQuoted(s, to: &bytes)
            let back = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
            #expect(back == s)
        }
    }

    @Test func a_json_value_is_written_as_the_encoder_writes_it() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let numbers: [Double] = [
            0, -0.0, 1, -1, 42, 10_000, 1.5, -2.25, 0.1, 1e20, 1e-7, 123_456_789_012, 9_007_199_254_740_991, 9_007_199_254_740_993, 3.0e15,
        ]
        let values: [JSONValue] =
            numbers.map(JSONValue.number) + [
                .null, .bool(true), .bool(false), .string("a/b \"q\" \\ \u{1} Šđ 🎟️"), .array([]), .object([:]),
                .object([
                    "zeta": .number(1), "Alpha": .string("x"), "alpha": .null, "a_b": .array([.number(2.5), .object(["k": .bool(true)])]),
                    "ab": .string(""), "éclair": .number(3), "e\u{301}clat": .number(4), "f": .number(5), "Zulu": .array([.null]),
                ]),
                .object(
                    Dictionary(
                        uniqueKeysWithValues: (0..<128).map { (String(UnicodeScalar(UInt8($0))), JSONValue.string(String(UnicodeScalar(UInt8($0))))) }
                            + [("\u{2028}", .string("\u{2029}"))])),
                .array([.object(["order_id": .string("0b1c"), "amount_cents": .number(10_000), "tickets": .number(2), "to": .null])]),
            ]
        for value in values {
            #expect(String(decoding: value.encoded(), as: UTF8.self) == String(decoding: try encoder.encode(value), as: UTF8.self))
        }
    }

    @Test func dates_are_written_as_the_iso8601_strategy_writes_them() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let now = Date()
        let dates = [
            now, Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.5), Date(timeIntervalSince1970: -86_400 * 365 * 70 - 0.25),
            Date(timeIntervalSinceReferenceDate: 0.999_999_9), Date(timeIntervalSinceReferenceDate: -0.000_000_1),
            Date(timeIntervalSince1970: 1_764_507_599.999_999_9), Date(timeIntervalSince1970: 4_102_444_800),
            Date(timeIntervalSinceReferenceDate: -13_190_860_800), Date(timeIntervalSinceReferenceDate: 252_423_993_599.5),
            Date.distantPast, Date.distantFuture,
        ]
        for date in dates {
            var w = JSONWriter()
            w.date(date)
            #expect(
                String(decoding: w.bytes, as: UTF8.self) == String(decoding: try encoder.encode(date), as: UTF8.self),
                "\(date.timeIntervalSinceReferenceDate)")
        }
    }
}
