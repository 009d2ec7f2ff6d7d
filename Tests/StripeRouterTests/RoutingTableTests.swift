import Foundation
import StripeRouter
import Testing

@Suite struct RoutingTableTests {
    @Test func routes_by_site_then_event_type_then_default() throws {
        let table = try RoutingTable.parse(
            """
            routes: {drupal: stripe.drupal, backend: stripe.backend}
            event_types:
              - {pattern: "charge.dispute.*", subject: stripe.backend}
              - {pattern: "payout.>", subject: stripe.finance}
            default: stripe.other
            """)
        #expect(table.route(site: "drupal", eventType: "payment_intent.succeeded") == .site("drupal", subject: "stripe.drupal"))
        #expect(table.route(site: nil, eventType: "charge.dispute.created").subject == "stripe.backend")
        #expect(table.route(site: nil, eventType: "payout.paid").subject == "stripe.finance")
        #expect(table.route(site: "unknown", eventType: "invoice.paid") == .fallback(subject: "stripe.other"))
    }

    @Test func without_a_default_an_unknown_site_is_unroutable() throws {
        let table = try RoutingTable.parse("routes: {backend: stripe.backend}\ndefault: null\n")
        #expect(table.route(site: "other", eventType: "x.y") == .unroutable)
        #expect(table.route(site: nil, eventType: "x.y") == .unroutable)
    }

    @Test func the_shipped_table_parses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/stripe-routes.yaml").path
        let table = try RoutingTable.load(path: path)
        #expect(table.route(site: "backend", eventType: "payment_intent.succeeded").subject == "stripe.backend")
        #expect(table.route(site: nil, eventType: "charge.dispute.created").subject == "stripe.backend")
    }

    @Test(arguments: [
        "routes: {drupal: 'stripe.*'}",  // not literal
        "routes: [a, b]",
        "routse: {drupal: stripe.drupal}",  // typo
        "event_types: [{pattern: 'a..b', subject: stripe.x}]",
        "event_types: [{pattern: 'a.*'}]",
        "default: 'no spaces allowed'",
        "[not, a, mapping]",
    ])
    func refuses_invalid_tables(_ yaml: String) {
        #expect(throws: (any Error).self) { try RoutingTable.parse(yaml) }
    }

    @Test func version_changes_with_content() throws {
        let a = try RoutingTable.parse("routes: {a: stripe.a}")
        let b = try RoutingTable.parse("routes: {a: stripe.b}")
        #expect(a.version != b.version)
        #expect(a.version == (try RoutingTable.parse("routes: {a: stripe.a}")).version)
    }
}
