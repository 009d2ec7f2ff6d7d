import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// E10: a match cancelled — every ticket void at once, every paid order refunded once, resumably.
@Suite struct CancellationTests {
    /// The cancellation's progress once it is in `state` (and, with `succeeded`, that many of its
    /// refunds succeeded at Stripe), or at the deadline.
    static func progress(
        _ h: TicketingHarness, _ match: Int64, until state: String, succeeded: Int? = nil, within: Duration = .seconds(20)
    ) async throws -> [String: Any] {
        let admin = try await TicketingHarness.admin()
        let deadline = ContinuousClock.now + within
        while true {
            let reply = try await h.call("GET", "/api/v1/admin/matches/\(match)/cancel", token: admin)
            let refunds = reply.object["refunds"] as? [String: Any]
            if reply.object["state"] as? String == state, succeeded == nil || refunds?["succeeded"] as? Int == succeeded { return reply.object }
            if ContinuousClock.now > deadline { return reply.object }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func refundsByOrder(_ h: TicketingHarness, _ match: Int64) async throws -> [String: [Int]] {
        let rows = try await h.query(
            """
            SELECT order_id::text || ':' || amount_cents::text FROM payments.refunds
            WHERE match_id = \(match) AND source = 'match_cancellation' ORDER BY order_id, created_at
            """, as: String.self)
        var out: [String: [Int]] = [:]
        for row in rows {
            let parts = row.split(separator: ":")
            out[String(parts[0]), default: []].append(Int(parts[1])!)
        }
        return out
    }

    @Test func a_dry_run_changes_nothing_and_the_cancellation_refunds_every_paid_order_once() async throws {
        try await PurchaseHarness.with(environment: ["HNS_CANCELLATION_INTERVAL": "200ms"]) { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let (a, _) = try await TransferTests.paidOrder(
                p, match: match, buyer: "fan-71", attendees: [PurchaseHarness.attendee(71), PurchaseHarness.attendee(72)])
            let (b, _) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-73", attendees: [PurchaseHarness.attendee(73)])
            let (c, cTickets) = try await TransferTests.paidOrder(
                p, match: match, buyer: "fan-74", attendees: [PurchaseHarness.attendee(74), PurchaseHarness.attendee(75)])
            let agent = try await TransferTests.agent()
            let partial = try await h.call(
                "POST", "/api/v1/support/orders/\(c)/refunds", token: agent,
                json: #"{"ticket_ids":["\#(cTickets[0])"],"reason":"illness","fee_cents":500}"#)
            #expect(partial.status == 201, "\(partial.body)")
            let (_, open) = try await p.order(match, user: "fan-76", seats: 1, attendees: [PurchaseHarness.attendee(76)])
            let openID = try #require(open.object["id"] as? String)

            let admin = try await TicketingHarness.admin()
            let path = "/api/v1/admin/matches/\(match)/cancel"
            let dry = try await h.call("POST", path, token: admin, json: #"{"dry_run":true,"reason":"stadium closed"}"#)
            #expect(dry.status == 200, "\(dry.body)")
            #expect(dry.object["tickets_voided"] as? Int == 4 && dry.object["orders_to_refund"] as? Int == 3)
            #expect(dry.object["open_orders"] as? Int == 1 && dry.object["amount_to_refund_cents"] as? Int == 20_000, "\(dry.body)")
            #expect(try await h.query("SELECT state FROM matches.matches WHERE id = \(match)", as: String.self) == ["on_sale"])
            #expect(try await h.call("GET", path, token: admin).status == 404)

            let started = try await h.call("POST", path, token: admin, json: #"{"reason":"stadium closed"}"#)
            #expect(started.status == 202, "\(started.body)")
            // At once: the match cancelled, no valid ticket left, the open order ended with its hold.
            #expect(try await h.query("SELECT state FROM matches.matches WHERE id = \(match)", as: String.self) == ["cancelled"])
            #expect(
                try await h.query(
                    "SELECT count(*)::int FROM tickets.tickets WHERE match_id = \(match) AND status <> 'void'", as: Int.self) == [0])
            #expect(try await p.orderState(openID) == "cancelled")

            let done = try await Self.progress(h, match, until: "done", succeeded: 3)
            #expect(done["state"] as? String == "done" && done["orders_refunded"] as? Int == 3, "\(done)")
            #expect((done["refunds"] as? [String: Any])?["succeeded"] as? Int == 3, "\(done)")
            let refunds = try await Self.refundsByOrder(h, match)
            #expect(refunds == [a.lowercased(): [10_000], b.lowercased(): [5000], c.lowercased(): [5000]], "\(refunds)")
            for order in [a, b, c] { #expect(try await p.orderState(order) == "refunded") }
            let cPI = try #require(
                try await h.query("SELECT payment_intent_id FROM orders.orders WHERE id = \(UUID(uuidString: c)!)", as: String.self).first)
            #expect(try await p.refunds(for: cPI).map { $0["amount"] as? Int }.sorted { ($0 ?? 0) < ($1 ?? 0) } == [4500, 5000])
            #expect(
                try await h.query("SELECT count(*)::int FROM outbox.messages WHERE subject = 'order.refunded'", as: Int.self) == [3])

            // Asking again answers the progress; nothing is refunded twice.
            let again = try await h.call("POST", path, token: admin, json: #"{"reason":"stadium closed"}"#)
            #expect(again.status == 202 && again.object["state"] as? String == "done")
            #expect(try await Self.refundsByOrder(h, match).values.map(\.count).reduce(0, +) == 3)
            let hold = try await h.hold(match, user: "late-fan", quantity: 1)
            #expect(hold.status == 409, "\(hold.body)")
        }
    }

    @Test func instances_that_take_over_a_cancellation_refund_each_order_once() async throws {
        // This instance never carries cancellations on by itself: it only starts one.
        try await PurchaseHarness.with(environment: ["HNS_CANCELLATION_INTERVAL": "1h", "HNS_CANCELLATION_BATCH": "1"]) { p in
            let h = p.h
            let match = try await h.matchOnSale(rows: 3, seats: 10)
            var orders: [String] = []
            for n in 0..<6 {
                let (order, _) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-8\(n)", attendees: [PurchaseHarness.attendee(80 + n)])
                orders.append(order.lowercased())
            }
            let admin = try await TicketingHarness.admin()
            let started = try await h.call("POST", "/api/v1/admin/matches/\(match)/cancel", token: admin, json: #"{"reason":"storm"}"#)
            #expect(started.status == 202 && started.object["orders_refunded"] as? Int == 0, "\(started.body)")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await Self.refundsByOrder(h, match).isEmpty)

            // Two others (as after a restart, or beside it) carry it on at the same time, one order per transaction.
            var busy = p.environment
            busy["HNS_CANCELLATION_INTERVAL"] = "20ms"
            busy["HNS_CANCELLATION_BATCH"] = "1"
            let environment = busy
            try await h.secondInstance(environment: environment) { _ in
                try await h.secondInstance(environment: environment) { _ in
                    let done = try await Self.progress(h, match, until: "done")
                    #expect(done["state"] as? String == "done" && done["orders_refunded"] as? Int == 6, "\(done)")
                }
            }
            let refunds = try await Self.refundsByOrder(h, match)
            #expect(Set(refunds.keys) == Set(orders) && refunds.values.allSatisfy { $0 == [5000] }, "\(refunds)")
            // The refund senders of all three send them on, each refund once.
            let sent = try await eventually(timeout: .seconds(20)) {
                try await h.query(
                    "SELECT count(*)::int FROM payments.refunds WHERE match_id = \(match) AND state = 'succeeded'", as: Int.self) == [6]
            }
            #expect(sent)
            for order in orders {
                let pi = try #require(
                    try await h.query("SELECT payment_intent_id FROM orders.orders WHERE id = \(UUID(uuidString: order)!)", as: String.self).first)
                #expect(try await p.refunds(for: pi).count == 1)
            }
        }
    }
}
