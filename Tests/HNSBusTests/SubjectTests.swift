import Foundation
import HNSBus
import NIOCore
import Testing

/// Cases mirror nats-server's sublist tests: `*` is one token, `>` one or more trailing tokens.
@Suite struct SubjectTests {
    @Test(arguments: ["foo", "foo.bar", "foo.*", "foo.>", "*", ">", "*.bar.>", "a.b.c.d.e", "stripe.drupal", "ticket.generated"])
    func valid_filters(_ s: String) { #expect(Subject.isValidFilter(s)) }

    @Test(arguments: [
        "", ".", "foo.", ".foo", "foo..bar", "foo.>.bar", "foo bar", "foo.b*", "foo.>>", "foo.\tbar", ">.foo", "foo.\u{0}", "foo.\u{85}",
        "foo.\u{7F}",
    ])
    func invalid_filters(_ s: String) { #expect(!Subject.isValidFilter(s)) }

    @Test func literals_have_no_wildcards() {
        #expect(Subject.isValidLiteral("order.completed"))
        #expect(!Subject.isValidLiteral("order.*"))
        #expect(!Subject.isValidLiteral("order.>"))
        #expect(!Subject.isValidLiteral("order..x"))
    }

    @Test(arguments: [
        ("foo", "foo", true), ("foo", "bar", false), ("foo.bar", "foo.*", true), ("foo.bar.baz", "foo.*", false),
        ("foo", "foo.*", false), ("foo.bar", "foo.>", true), ("foo.bar.baz", "foo.>", true), ("foo", "foo.>", false),
        ("foo.bar", "*.bar", true), ("foo.bar", "*.*", true), ("foo.bar", "*", false), ("foo", ">", true),
        ("a.b.c", "a.*.c", true), ("a.b.d", "a.*.c", false), ("a.b.c", "*.>", true), ("stripe.drupal", "stripe.>", true),
        ("mail.order_confirmation", "mail.>", true), ("stripe.backend", "stripe.drupal", false),
        ("foox", "foo", false), ("foo", "foox", false), ("foo.bar", "foo.bar.baz", false), ("foo.ba", "foo.bar", false),
        ("ab.c", "a.>", false), ("a.bc", "*.b", false), ("a", "*", true),
    ])
    func matching(_ subject: String, _ filter: String, _ expected: Bool) {
        #expect(Subject.matches(subject, filter: filter) == expected)
    }

    @Test func subset_and_overlap() {
        #expect(Subject.isSubset("stripe.drupal", of: "stripe.>"))
        #expect(Subject.isSubset("stripe.*", of: "stripe.>"))
        #expect(!Subject.isSubset("stripe.>", of: "stripe.*"))
        #expect(!Subject.isSubset(">", of: "stripe.>"))
        #expect(Subject.overlaps(">", "stripe.drupal"))
        #expect(Subject.overlaps("a.*.c", "a.b.>"))
        #expect(!Subject.overlaps("a.b", "a.c"))
        #expect(!Subject.overlaps("a.*", "a.b.c"))
    }
}

@Suite struct EnvelopeTests {
    @Test func data_is_spliced_in_unchanged() throws {
        let data = #"{"b": 1.50, "a":"x"}"#
        let buffer = Envelope.encode(
            subject: "order.completed", data: .init(string: data), timestamp: .init(timeIntervalSince1970: 0.123),
            messageID: "m\"1")
        let text = String(buffer: buffer)
        #expect(text == #"{"subject":"order.completed","data":{"b": 1.50, "a":"x"},"timestamp":"1970-01-01T00:00:00.123Z","message_id":"m\"1"}"#)
    }
}
