import Foundation
import HNSCore
import HNSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A match cancelled while hns-ticketing is killed (`kill -9`) in the middle of sending its refunds
/// to Stripe: after the restart every paid order is refunded exactly once — Stripe holds one refund
/// per payment, whichever requests it had answered before the crash.
@Suite(.serialized) struct CancellationSystemTests {
    typealias S = PurchaseSystemTests

    static func stripe(_ s: S.System, _ path: String) async throws -> TestHTTP.Reply {
        try await TestHTTP.send("GET", s.sim + path, headers: ["Authorization": "Bearer \(S.stripeKey)"])
    }

    @Test func a_crash_in_the_middle_of_a_cancellation_refunds_every_order_exactly_once() async throws {
        // Refunds leave slowly (10 per second, several claimed and in flight at once) so that the crash
        // falls among them; a crashed sender's claims lapse after 10 s.
        try await S.withSystem(environment: [
            "HNS_STRIPE_REFUND_RATE": "10/1s", "HNS_REFUND_CLAIM": "10s", "HNS_CANCELLATION_INTERVAL": "200ms", "HNS_REFUND_SEND_INTERVAL": "200ms",
        ]) { s in
            let match = try await S.matchOnSale(s)
            var orders: [(id: String, pi: String)] = []
            for n in 0..<12 {
                let fan = try await S.token("cancel-fan-\(n)")
                let hold = try await s.call(
                    "POST", s.ticketing + "/api/v1/matches/\(match)/holds", token: fan, json: #"{"sector":"\#(n % 2 == 0 ? "A" : "B")","quantity":1}"#
                )
                try #require(hold.status == 201, "\(hold.text)")
                let order = try await s.call(
                    "POST", s.ticketing + "/api/v1/orders", token: fan,
                    json: #"{"hold_id":"\#(hold.json?["id"]?.stringValue ?? "")","attendees":[\#(S.attendee(9200 + n))]}"#,
                    headers: ["Idempotency-Key": "cancel-\(n)"])
                let id = try #require(order.json?["id"]?.stringValue, "\(order.text)")
                let pay = try await s.call("POST", s.ticketing + "/api/v1/orders/\(id)/payment", token: fan)
                let pi = try #require(pay.json?["payment_intent_id"]?.stringValue, "\(pay.text)")
                try await S.confirm(s, pi)
                orders.append((id, pi))
            }
            for (n, order) in orders.enumerated() {
                let issued = try await s.call("GET", s.ticketing + "/api/v1/orders/\(order.id)?wait=20", token: try await S.token("cancel-fan-\(n)"))
                try #require(issued.json?["state"]?.stringValue == "tickets_issued", "\(issued.text)")
            }

            let admin = try await S.token("admin-1", roles: ["admin"], amr: ["pwd", "mfa"])
            let cancel = try await s.call(
                "POST", s.ticketing + "/api/v1/admin/matches/\(match)/cancel", token: admin, json: #"{"reason":"stadium closed"}"#)
            try #require(cancel.status == 202, "\(cancel.text)")
            let some = try await eventually(timeout: .seconds(30), interval: .milliseconds(20)) {
                (try await Self.stripe(s, "/_sim/traffic").json?["refunds_created"]?.intValue ?? 0) >= 3
            }
            try #require(some, "\(s.output)")
            kill(s.pids["hns-ticketing"]!, SIGKILL)
            _ = await ChildProcess.wait(s.pids["hns-ticketing"]!, timeout: .seconds(10))
            let before = try await Self.stripe(s, "/_sim/traffic").json?["refunds_created"]?.intValue ?? 0
            #expect(before < orders.count, "the crash came after every refund was sent")

            var own = s.env
            own["HNS_EVENTBUS_TOKEN"] = s.env["HNS_BUS_TOKEN_TICKETING"]!
            s.pids["hns-ticketing"] = try S.spawn("hns-ticketing", own, s.log)
            var progress: TestHTTP.Reply?
            let done = try await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                progress = try? await s.call("GET", s.ticketing + "/api/v1/admin/matches/\(match)/cancel", token: admin)
                guard case .object(let refunds)? = progress?.json?["refunds"] else { return false }
                return progress?.json?["state"]?.stringValue == "done" && refunds["succeeded"]?.intValue == orders.count
            }
            #expect(done, "\(progress?.text ?? "") \(s.output)")
            for order in orders {
                let refunds = try await Self.stripe(s, "/v1/refunds?payment_intent=\(order.pi)")
                guard case .array(let list)? = refunds.json?["data"] else {
                    Issue.record("no refunds: \(refunds.text)")
                    continue
                }
                #expect(list.count == 1 && list.first?["amount"]?.intValue == 2500, "\(order.pi): \(refunds.text)")
                let fan = try await S.token("cancel-fan-\(orders.firstIndex { $0.id == order.id }!)")
                #expect(try await s.call("GET", s.ticketing + "/api/v1/orders/\(order.id)", token: fan).json?["state"]?.stringValue == "refunded")
            }
            let traffic = try await Self.stripe(s, "/_sim/traffic")
            #expect(traffic.json?["refunds_created"]?.intValue == orders.count, "\(traffic.text)")
        }
    }
}

extension JSONValue {
    fileprivate var intValue: Int? {
        if case .number(let n) = self { return Int(exactly: n) }
        return nil
    }
}
