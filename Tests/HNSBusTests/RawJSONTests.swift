import Foundation
import HNSBus
import Testing

/// The bus's strict JSON reader: what a message body must be, and a batch's items read in one pass.
@Suite struct RawJSONTests {
    @Test(arguments: [
        "{}", "[]", "0", "-0", "1.5", "-12.5e+3", "1E9", "true", "false", "null", #""""#, #""a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00""#,
        " { \"a\" : [ 1 , { \"b\" : null } ] } \n", #"{"z": 1, "a": [1.50, "x,}\"]"], "big": 12345678901234567890}"#, "\"é – ok\"",
    ])
    func valid(_ text: String) { #expect(RawJSON.isValid(Array(text.utf8))) }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "01", "1.", ".5", "1e", "+1", "-", "1.2.3",
        "tru", "nulll", "True", "\"a", "\"\\q\"", "\"\\u12G4\"", "\"a\nb\"", "\"tab\there\"", "{} {}", "[1] x", "NaN", "'a'",
    ])
    func invalid(_ text: String) { #expect(!RawJSON.isValid(Array(text.utf8)), "\(text)") }

    @Test func nesting_is_bounded() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(!RawJSON.isValid(Array(deep.utf8)))
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(RawJSON.isValid(Array(fine.utf8)))
    }

    @Test func a_batch_gives_each_items_fields_and_raw_data() throws {
        let text = #"[{"subject":"order.a","msg_id":"m\u00e9","data": {"k": [1, 2]} }, {"data":7,"subject":5,"msg_id":9}, 3, {"subject":"x.y"}]"#
        let bytes = Array(text.utf8)
        let items = try #require(RawJSON.batch(bytes))
        #expect(items.count == 4)
        #expect(items[0].subject == "order.a" && items[0].msgID == "mé")
        #expect(items[0].data.map { String(decoding: bytes[$0], as: UTF8.self) } == #"{"k": [1, 2]}"#)
        #expect(items[1].subject == nil && items[1].msgID == nil && items[1].data.map { String(decoding: bytes[$0], as: UTF8.self) } == "7")
        #expect(!items[2].isObject)
        #expect(items[3].subject == "x.y" && items[3].data == nil)
        #expect(RawJSON.batch(Array(#"{"subject":"a"}"#.utf8)) == nil)
        #expect(RawJSON.batch(Array(#"[{"subject":"a","data":01}]"#.utf8)) == nil)
        #expect(RawJSON.batch(Array("[]".utf8))?.isEmpty == true)
    }

    @Test func strings_by_path_in_one_object() throws {
        let text =
            #"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","metadata":{"site":"back\u0065nd"}},"list":[{"site":"no"}]},"n":1}"#
        let paths = [
            ["id"], ["type"], ["data", "object", "metadata", "site"], ["data", "object", "id"], ["missing"], ["n"], ["data", "list", "site"],
        ]
        let found = try #require(RawJSON.strings(Array(text.utf8), at: paths))
        #expect(found == ["evt_1", "payment_intent.succeeded", "backend", "pi_1", nil, nil, nil])
        // Only an object document; strictly valid.
        #expect(RawJSON.strings(Array("[1]".utf8), at: [["id"]]) == nil)
        #expect(RawJSON.strings(Array(#"{"id":"a","n":01}"#.utf8), at: [["id"]]) == nil)
        #expect(RawJSON.strings(Array(#"{"id":"a","id":"b"}"#.utf8), at: [["id"]]) == ["b"])
    }
}
