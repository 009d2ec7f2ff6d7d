import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// E8 accounting: every paid order gets an invoice and every refund of its tickets a credit note,
/// made in e-računi (the simulator here) from the outbox, in order, at the account's pace.
@Suite struct InvoicingTests {
    /// e-računi's own example: user "ivan", password "novak" → md5("IVANnovak").
    @Test func md5pass_is_computed_as_e_racuni_documents_it() {
        #expect(ERacuniClient.md5pass(username: "ivan", secret: "novak") == "8b29582ce0a1c85dc0c574d218acb900")
    }

    @Test func e_racuni_settings_go_together() throws {
        let base = [
            "HNS_DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "HNS_REDIS_URL": "redis://127.0.0.1:6379/0",
            "HNS_IDENTITY_ISSUER": "https://hns.hr", "HNS_IDENTITY_AUDIENCE": "hns-ticketing",
            "HNS_IDENTITY_HS256_SECRET": String(repeating: "s", count: 32),
        ]
        #expect(try TicketingConfiguration.fromEnvironment(base).eRacuni == nil)
        #expect(throws: (any Error).self) {
            try TicketingConfiguration.fromEnvironment(base.merging(["HNS_ERACUNI_URL": "https://e-racuni.com/WebServicesHR/API"]) { _, n in n })
        }
        let all = try TicketingConfiguration.fromEnvironment(
            base.merging([
                "HNS_ERACUNI_URL": "https://e-racuni.com/WebServicesHR/API", "HNS_ERACUNI_USERNAME": "ivan", "HNS_ERACUNI_SECRET_KEY": "k",
                "HNS_ERACUNI_TOKEN": "T", "HNS_ERACUNI_RATE": "4/4s",
            ]) { _, n in n })
        #expect(all.eRacuni?.rate == RateLimit(count: 4, window: .seconds(4)) && all.eRacuni?.timeout == .seconds(30))
    }

    // MARK: Helpers

    static func simDocuments(_ p: PurchaseHarness) async throws -> [[String: Any]] {
        let reply = try await TestHTTP.send(
            "GET", p.stripeBase + "/_sim/eracuni/documents", headers: ["Authorization": "Bearer \(PurchaseHarness.stripeKey)"])
        let root = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
        return (root?["documents"] as? [[String: Any]]) ?? []
    }

    static func simTraffic(_ p: PurchaseHarness) async throws -> [String: Any] {
        let reply = try await TestHTTP.send(
            "GET", p.stripeBase + "/_sim/eracuni/traffic", headers: ["Authorization": "Bearer \(PurchaseHarness.stripeKey)"])
        return (try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]) ?? [:]
    }

    static func fault(_ p: PurchaseHarness, _ json: String) async throws {
        let reply = try await TestHTTP.send(
            "POST", p.stripeBase + "/_sim/eracuni/faults",
            headers: ["Authorization": "Bearer \(PurchaseHarness.stripeKey)", "Content-Type": "application/json"], body: Array(json.utf8))
        #expect(reply.status == 200, "\(reply.text)")
    }

    static func documents(_ p: PurchaseHarness, query: String = "") async throws -> [[String: Any]] {
        let reply = try await p.h.call("GET", "/api/v1/admin/invoicing/documents\(query)", token: try await TicketingHarness.admin())
        return (reply.object["documents"] as? [[String: Any]]) ?? []
    }

    static func reconcile(_ p: PurchaseHarness, match: Int64) async throws -> [String: Any] {
        try await p.h.call("GET", "/api/v1/admin/reconciliation?match=\(match)&stripe=false", token: try await TicketingHarness.admin()).object
    }

    static func kinds(_ report: [String: Any]) -> [String: Int] { (report["by_kind"] as? [String: Int]) ?? [:] }

    // MARK: Behaviour

    @Test func a_sale_gets_an_invoice_and_a_refund_a_credit_note_that_reverses_it() async throws {
        try await PurchaseHarness.with(eRacuni: true) { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let people = [PurchaseHarness.attendee(61), PurchaseHarness.attendee(62)]
            let (orderID, tickets) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-61", attendees: people)
            let fan = try await TicketingHarness.token(user: "fan-61")

            #expect(try await eventually(timeout: .seconds(20)) { try await Self.documents(p).first?["state"] as? String == "issued" })
            let invoice = try #require(try await Self.documents(p, query: "?order_id=\(orderID)").first)
            #expect(invoice["kind"] as? String == "invoice" && invoice["amount_cents"] as? Int == 10_000, "\(invoice)")
            #expect(invoice["reference"] as? String == "HNS-O-\(orderID.lowercased())")
            #expect((invoice["jir"] as? String)?.isEmpty == false && (invoice["zki"] as? String)?.isEmpty == false, "fiscal codes: \(invoice)")
            let sim = try await Self.simDocuments(p)
            #expect(sim.count == 1)
            let items = try #require(sim.first?["Items"] as? [[String: Any]])
            #expect(items.count == 1 && items[0]["quantity"] as? Double == 2 && items[0]["price"] as? Double == 50, "\(items)")
            #expect(sim.first?["type"] as? String == "Retail" && sim.first?["number"] as? String == invoice["number"] as? String)

            // The buyer downloads it; the second download is ours, not e-računi's.
            let pdf = try await h.call("GET", "/api/v1/orders/\(orderID)/invoice", token: fan)
            #expect(pdf.status == 200 && pdf.headers["content-type"] == "application/pdf" && pdf.body.hasPrefix("%PDF"), "\(pdf.status) \(pdf.body)")
            let asked = try #require(try await Self.simTraffic(p)["requests"] as? Int)
            #expect(try await h.call("GET", "/api/v1/orders/\(orderID)/invoice", token: fan).status == 200)
            #expect(try await Self.simTraffic(p)["requests"] as? Int == asked)
            // Nobody else's.
            let other = try await h.call("GET", "/api/v1/orders/\(orderID)/invoice", token: try await TicketingHarness.token(user: "fan-62"))
            #expect(other.status == 404)

            // One ticket refunded less a fee: a storno of one ticket with the fee kept, naming the invoice.
            let agent = try await TransferTests.agent()
            let refund = try await h.call(
                "POST", "/api/v1/support/orders/\(orderID)/refunds", token: agent,
                json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"illness","fee_cents":500}"#)
            #expect(refund.status == 201, "\(refund.body)")
            #expect(
                try await eventually(timeout: .seconds(20)) {
                    let all = try await Self.documents(p)
                    return all.count == 2 && all[1]["state"] as? String == "issued"
                })
            let note = try await Self.documents(p)[1]
            #expect(
                note["kind"] as? String == "credit_note" && note["amount_cents"] as? Int == -4500
                    && note["reverses_id"] as? Int == invoice["id"] as? Int)
            let stored = try await Self.simDocuments(p)
            let noteItems = try #require(stored.last?["Items"] as? [[String: Any]])
            #expect(noteItems.map { $0["quantity"] as? Double } == [-1, 1] && noteItems.map { $0["price"] as? Double } == [50, 5], "\(noteItems)")
            #expect(stored.last?["orderReference"] as? String == invoice["number"] as? String)
            #expect(stored.last?["number"] as? String != invoice["number"] as? String)

            let report = try await Self.reconcile(p, match: match)
            #expect(report["unexplained"] as? Int == 0 && report["pending"] as? Int == 0, "\(report)")
            let trail = try await h.query(
                "SELECT action FROM audit.entries WHERE action LIKE 'invoice.%' OR action LIKE 'credit_note.%' ORDER BY id",
                as: String.self)
            #expect(trail == ["invoice.queued", "invoice.issued", "credit_note.queued", "credit_note.issued"], "\(trail)")
            // Between rounds the sender's lease is given back (a restarted instance goes on at once).
            #expect(
                try await eventually {
                    try await h.query("SELECT leased_until IS NULL FROM invoicing.sender", as: Bool.self) == [true]
                })
        }
    }

    @Test func documents_keep_to_the_accounts_pace_and_a_throttled_account_is_waited_for() async throws {
        // Our pace off, e-računi's limit on: it throttles, we back off, and each document is issued once.
        try await PurchaseHarness.with(eRacuni: true, environment: ["HNS_ERACUNI_RATE": "off"]) { p in
            let match = try await p.h.matchOnSale(maxPerBuyer: 1)
            for n in 0..<7 {
                _ = try await TransferTests.paidOrder(p, match: match, buyer: "fan-7\(n)", attendees: [PurchaseHarness.attendee(700 + n)])
            }
            #expect(
                try await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                    try await Self.documents(p, query: "?state=issued").count == 7
                })
            let traffic = try await Self.simTraffic(p)
            #expect(traffic["documents"] as? Int == 7)
            #expect((traffic["throttled"] as? Int ?? 0) > 0, "\(traffic)")
        }
        // Our pace on (the default, 4 per 4 s less a tenth): never throttled.
        try await PurchaseHarness.with(eRacuni: true) { p in
            let match = try await p.h.matchOnSale(maxPerBuyer: 1)
            for n in 0..<6 {
                _ = try await TransferTests.paidOrder(p, match: match, buyer: "fan-8\(n)", attendees: [PurchaseHarness.attendee(800 + n)])
            }
            #expect(
                try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                    try await Self.documents(p, query: "?state=issued").count == 6
                })
            let traffic = try await Self.simTraffic(p)
            #expect(traffic["throttled"] as? Int == 0 && traffic["documents"] as? Int == 6, "\(traffic)")
        }
    }

    @Test func a_create_whose_answer_is_lost_is_found_and_never_made_twice() async throws {
        try await PurchaseHarness.with(eRacuni: true) { p in
            try await Self.fault(p, #"{"drop_after_accept":1}"#)
            let match = try await p.h.matchOnSale()
            let (orderID, _) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-91", attendees: [PurchaseHarness.attendee(91)])
            #expect(
                try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                    try await Self.documents(p).first?["state"] as? String == "issued"
                })
            #expect(try await Self.simDocuments(p).count == 1)
            let invoice = try #require(try await Self.documents(p).first)
            #expect((invoice["attempts"] as? Int ?? 0) >= 2, "\(invoice)")
            let found = try await p.h.query(
                "SELECT (data->>'found_after_lost_answer')::boolean FROM audit.entries WHERE action = 'invoice.issued' AND \("order:" + orderID.lowercased()) = ANY(subjects)",
                as: Bool.self)
            #expect(found == [true])
        }
    }

    @Test func a_refused_document_is_listed_reconciled_as_unexplained_and_retried() async throws {
        try await PurchaseHarness.with(eRacuni: true) { p in
            try await Self.fault(p, #"{"refuse_next":1}"#)
            let match = try await p.h.matchOnSale()
            let (orderID, _) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-95", attendees: [PurchaseHarness.attendee(95)])
            #expect(try await eventually(timeout: .seconds(20)) { try await Self.documents(p, query: "?state=failed").count == 1 })
            let failed = try #require(try await Self.documents(p, query: "?state=failed").first)
            #expect((failed["last_error"] as? String)?.contains("buyerTaxNumber") == true, "\(failed)")
            let pdf = try await p.h.call("GET", "/api/v1/orders/\(orderID)/invoice", token: try await TicketingHarness.token(user: "fan-95"))
            #expect(pdf.status == 409 && (pdf.object["type"] as? String)?.hasSuffix("/invoice-not-issued") == true, "\(pdf.body)")
            #expect(Self.kinds(try await Self.reconcile(p, match: match))["invoice_failed"] == 1)

            let admin = try await TicketingHarness.admin()
            let id = try #require(failed["id"] as? Int)
            let retried = try await p.h.call("POST", "/api/v1/admin/invoicing/documents/\(id)/retry", token: admin)
            #expect(retried.status == 200 && retried.object["state"] as? String == "queued", "\(retried.body)")
            #expect(try await p.h.call("POST", "/api/v1/admin/invoicing/documents/\(id)/retry", token: admin).status == 409)
            #expect(try await eventually(timeout: .seconds(20)) { try await Self.documents(p).first?["state"] as? String == "issued" })
            #expect(try await Self.simDocuments(p).count == 1)
            #expect(try await Self.reconcile(p, match: match)["unexplained"] as? Int == 0)
        }
    }

    @Test func the_reconciliation_reports_queued_documents_as_pending_and_catches_planted_breaks() async throws {
        // No e-računi: documents are queued and wait.
        try await PurchaseHarness.with { p in
            let match = try await p.h.matchOnSale()
            var orders: [String] = []
            for n in 0..<3 {
                let (order, _) = try await TransferTests.paidOrder(
                    p, match: match, buyer: "fan-4\(n)", attendees: [PurchaseHarness.attendee(400 + n)])
                orders.append(order)
            }
            #expect(try await eventually { try await Self.documents(p, query: "?state=queued").count == 3 })
            let report = try await Self.reconcile(p, match: match)
            #expect(report["unexplained"] as? Int == 0 && Self.kinds(report)["invoice_pending"] == 3, "\(report)")
            #expect(((report["rows"] as? [[String: Any]]) ?? []).allSatisfy { $0["age_seconds"] is Int }, "\(report)")

            // Planted: one invoice gone, one of the wrong amount issued.
            let (a, b) = (UUID(uuidString: orders[0])!, UUID(uuidString: orders[1])!)
            try await p.h.db.withClient { client in
                try await client.query("DELETE FROM invoicing.documents WHERE order_id = \(a)", logger: TicketingHarness.logger)
                try await client.query(
                    """
                    UPDATE invoicing.documents SET state = 'issued', document_id = '60:1', number = '1-HNS-1', amount_cents = amount_cents - 1
                    WHERE order_id = \(b)
                    """, logger: TicketingHarness.logger)
            }
            let broken = Self.kinds(try await Self.reconcile(p, match: match))
            #expect(broken["invoice_missing"] == 1 && broken["invoice_amount_mismatch"] == 1 && broken["invoice_pending"] == 1, "\(broken)")
        }
    }

    @Test func the_admin_lists_are_for_admins_and_check_their_input() async throws {
        try await PurchaseHarness.with { p in
            let admin = try await TicketingHarness.admin()
            #expect(try await p.h.call("GET", "/api/v1/admin/invoicing/documents", token: try await TransferTests.agent()).status == 403)
            let bad = try await p.h.call("GET", "/api/v1/admin/invoicing/documents?state=lost&order_id=x", token: admin)
            #expect(bad.status == 422 && Set(bad.fields) == ["state", "order_id"], "\(bad.body)")
            #expect(try await p.h.call("POST", "/api/v1/admin/invoicing/documents/0/retry", token: admin).status == 404)
            #expect(try await p.h.call("POST", "/api/v1/admin/invoicing/documents/abc/retry", token: admin).status == 404)
            let fan = try await TicketingHarness.token(user: "fan-1")
            #expect(try await p.h.call("GET", "/api/v1/orders/\(UUID())/invoice", token: fan).status == 404)
        }
    }
}
