import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// E10/E8: support refunds tickets; the refund is an object Stripe's answers and events move.
@Suite struct RefundTests {
    static func sectorA(_ h: TicketingHarness, _ match: Int64) async throws -> [String: Any] {
        let availability = try await h.call("GET", "/api/v1/matches/\(match)/availability")
        return try #require((availability.object["sectors"] as? [[String: Any]])?.first { $0["code"] as? String == "A" })
    }

    @Test func support_refunds_part_of_an_order_then_the_rest() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let people = [PurchaseHarness.attendee(51), PurchaseHarness.attendee(52), PurchaseHarness.attendee(53)]
            let (orderID, tickets) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-51", attendees: people)
            let path = "/api/v1/support/orders/\(orderID)/refunds"
            let before = try await Self.sectorA(h, match)
            #expect(before["available"] as? Int == 27)

            let fan = try await TicketingHarness.token(user: "fan-51")
            #expect(try await h.call("POST", path, token: fan, json: #"{"reason":"x"}"#).status == 403)
            let agent = try await TransferTests.agent()
            let foreign = try await h.call("POST", path, token: agent, json: #"{"ticket_ids":["\#(UUID())"],"reason":"x"}"#)
            #expect(foreign.status == 422 && foreign.fields == ["ticket_ids[0]"], "\(foreign.body)")
            let tooDear = try await h.call("POST", path, token: agent, json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"x","fee_cents":5000}"#)
            #expect(tooDear.status == 422 && tooDear.fields == ["fee_cents"], "\(tooDear.body)")

            // One ticket, less a fee: void at once, its seat back on sale, the money on its way.
            let first = try await h.call(
                "POST", path, token: agent, json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"illness","fee_cents":500}"#,
                headers: ["Idempotency-Key": "refund-1"])
            #expect(first.status == 201, "\(first.body)")
            let refund = try #require(first.object["refund"] as? [String: Any])
            #expect(refund["amount_cents"] as? Int == 4500 && refund["fee_cents"] as? Int == 500 && refund["source"] as? String == "support")
            #expect(refund["state"] as? String == "succeeded" && refund["requested_by"] as? String == "agent-7", "\(first.body)")
            #expect(first.object["order_state"] as? String == "partially_refunded")
            // The same request again (same key) is answered as before; no second refund.
            let replay = try await h.call(
                "POST", path, token: agent, json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"illness","fee_cents":500}"#,
                headers: ["Idempotency-Key": "refund-1"])
            #expect(replay.status == 201 && replay.headers["idempotent-replayed"] == "true")
            let again = try await h.call("POST", path, token: agent, json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"illness"}"#)
            #expect(again.status == 409 && (again.object["type"] as? String)?.hasSuffix("/ticket-not-refundable") == true, "\(again.body)")

            let t0 = UUID(uuidString: tickets[0])!
            #expect(try await h.query("SELECT status FROM tickets.tickets WHERE id = \(t0)", as: String.self) == ["void"])
            #expect(try await h.query("SELECT reason FROM tickets.revoked_barcodes WHERE ticket_id = \(t0)", as: String.self) == ["refunded"])
            let after = try await Self.sectorA(h, match)
            #expect(after["available"] as? Int == 28 && after["sold"] as? Int == 2, "\(after)")
            #expect(
                try await h.query("SELECT sold FROM inventory.buyer_counts WHERE match_id = \(match) AND buyer_id = 'fan-51'", as: Int.self) == [2])
            let refunds = try await p.refunds(
                for: try #require(
                    try await h.query(
                        "SELECT payment_intent_id FROM orders.orders WHERE id = \(UUID(uuidString: orderID)!)", as: String.self
                    ).first))
            #expect(refunds.map { $0["amount"] as? Int } == [4500])
            #expect(((refunds.first?["metadata"] as? [String: Any])?["refund_id"] as? String) == (refund["id"] as? String)?.lowercased())
            // The refunded holder may buy again.
            let (_, rebuy) = try await p.order(match, user: "fan-51b", seats: 1, attendees: [people[0]])
            #expect(rebuy.status == 201, "\(rebuy.body)")

            // The rest, the seats kept blocked: the order is refunded.
            let rest = try await h.call("POST", path, token: agent, json: #"{"reason":"match moved","release_seats":false}"#)
            #expect(rest.status == 201 && rest.object["order_state"] as? String == "refunded", "\(rest.body)")
            #expect((rest.object["refund"] as? [String: Any])?["amount_cents"] as? Int == 10_000)
            let blocked = try await Self.sectorA(h, match)
            #expect(blocked["sold"] as? Int == 0 && blocked["blocked"] as? Int == 2, "\(blocked)")
            let order = try await h.call("GET", "/api/v1/orders/\(orderID)", token: fan)
            #expect(order.object["state"] as? String == "refunded")
            #expect(try await h.call("POST", path, token: agent, json: #"{"reason":"again"}"#).status == 409)

            let listed = try await h.call("GET", "/api/v1/support/refunds?order_id=\(orderID)", token: agent)
            #expect((listed.object["refunds"] as? [[String: Any]])?.count == 2, "\(listed.body)")
            #expect(try await h.call("GET", "/api/v1/support/refunds?state=lost", token: agent).fields == ["state"])
            let audited = try await h.query(
                "SELECT count(*)::int FROM audit.entries WHERE domain = 'E10' AND action = 'order.refunded' AND actor_id = 'agent-7'", as: Int.self)
            #expect(audited == [2])
        }
    }

    @Test func a_refund_that_fails_is_listed_for_support_and_retried() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let (orderID, tickets) = try await TransferTests.paidOrder(
                p, match: match, buyer: "fan-61", attendees: [PurchaseHarness.attendee(61), PurchaseHarness.attendee(62)])
            let agent = try await TransferTests.agent()
            let made = try await h.call(
                "POST", "/api/v1/support/orders/\(orderID)/refunds", token: agent, json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"illness"}"#)
            let refund = try #require(made.object["refund"] as? [String: Any])
            let refundID = try #require(refund["id"] as? String)
            let stripeID = try #require(refund["stripe_refund_id"] as? String)

            // The bank sends it back later (the card was closed): Stripe says so in `refund.updated` and `refund.failed`.
            let failing = try await TestHTTP.send(
                "POST", p.stripeBase + "/_sim/refunds/\(stripeID)/fail",
                headers: ["Authorization": "Bearer \(PurchaseHarness.stripeKey)", "Content-Type": "application/x-www-form-urlencoded"],
                body: Array("deliver=false".utf8))
            #expect(failing.status == 200, "\(failing.text)")
            let updated = try #require(try await p.events(ofType: "refund.updated").last)
            let failedEvent = try #require(try await p.events(ofType: "refund.failed").last)
            #expect(try await p.deliver(updated).object["outcome"] as? String == "refund_updated")
            #expect(try await p.deliver(failedEvent).object["outcome"] as? String == "ignored")
            #expect(try await p.deliver(updated).object["outcome"] as? String == "duplicate")
            let failed = try await h.call("GET", "/api/v1/support/refunds?state=failed", token: agent)
            let listed = (failed.object["refunds"] as? [[String: Any]]) ?? []
            #expect(listed.map { $0["id"] as? String } == [refundID], "\(failed.body)")
            #expect(listed.first?["failure_reason"] as? String == "expired_or_canceled_card")

            // Support retries: a new request to Stripe (a new idempotency key), which takes it.
            let retried = try await h.call("POST", "/api/v1/support/refunds/\(refundID)/retry", token: agent)
            #expect(retried.status == 200 && retried.object["state"] as? String == "succeeded", "\(retried.body)")
            #expect(retried.object["stripe_refund_id"] as? String != stripeID)
            #expect(try await h.call("POST", "/api/v1/support/refunds/\(refundID)/retry", token: agent).status == 409)

            // A refund Stripe refuses outright (the payment was refunded in full from the dashboard) fails at once.
            let pi = try #require(
                try await h.query(
                    "SELECT payment_intent_id FROM orders.orders WHERE id = \(UUID(uuidString: orderID)!)", as: String.self
                ).first)
            let dashboard = try await TestHTTP.send(
                "POST", p.stripeBase + "/v1/refunds",
                headers: ["Authorization": "Bearer \(PurchaseHarness.stripeKey)", "Content-Type": "application/x-www-form-urlencoded"],
                body: Array("payment_intent=\(pi)".utf8))
            #expect(dashboard.status == 200, "\(dashboard.text)")
            let refused = try await h.call(
                "POST", "/api/v1/support/orders/\(orderID)/refunds", token: agent, json: #"{"ticket_ids":["\#(tickets[1])"],"reason":"illness"}"#)
            #expect(refused.status == 201, "\(refused.body)")
            let second = try #require(refused.object["refund"] as? [String: Any])
            #expect(
                second["state"] as? String == "failed" && (second["failure_reason"] as? String)?.contains("charge_already_refunded") == true,
                "\(refused.body)")
        }
    }
}
