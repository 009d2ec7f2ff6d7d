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
}
