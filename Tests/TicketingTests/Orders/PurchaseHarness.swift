import Foundation
import HNSCore
import HNSTestSupport
import Logging
import PostgresNIO
import StripeSimulator

@testable import Ticketing

/// `hns-ticketing` with the Stripe simulator (in-process, over real HTTP). The simulator sends no
/// webhooks here: a test fetches the event it recorded and delivers it to `/webhooks/stripe` the
/// way the bus does (envelope, Bearer token), so each step can be held back or repeated.
struct PurchaseHarness: Sendable {
    static let stripeKey = "sk_test_purchase_0123456789abcdef"
    static let busToken = "bus-delivery-token-0123456789"
    static let queueKey = "queue-signing-key-for-tests-0123456789abcdef"

    let h: TicketingHarness
    let stripeBase: String
    /// The environment the instance runs with (for a second instance beside it).
    let environment: [String: String]

    /// `eRacuni`: the simulator also stands in for e-računi (with `eRacuniRate`, its limit per user),
    /// and the monolith sends its invoices there.
    static func with<T: Sendable>(
        holdTTL: String = "15m", sweep: String = "1h", grace: String = "10m", reconcile: String = "1h", waitRecheck: String = "2s",
        clock: ManualClock? = nil, eRacuni: Bool = false, eRacuniRate: RateLimit? = RateLimit(count: 4, window: .seconds(4)),
        environment extra: [String: String] = [:], _ body: @Sendable (PurchaseHarness) async throws -> T
    ) async throws -> T {
        let port = try await ChildProcess.freePort()
        var logger = Logger(label: "test.stripe-sim")
        logger.logLevel = .critical
        var simConfig = StripeSimulatorConfiguration(
            http: HTTPSettings(bind: "127.0.0.1", port: port, logLevel: .critical), apiKey: Secret(stripeKey))
        // A user of its own per test: e-računi's limit (and so our pace) is per user.
        let user = "HNS-TEST-\(Int.random(in: 100_000...999_999))"
        simConfig.eRacuni = .init(username: user, secretKey: "api-secret-0123", token: "649026C063054A139549200F3C9D01C6")
        simConfig.eRacuniRate = eRacuniRate
        let sim = try StripeSimulatorApp.build(configuration: simConfig, logger: logger)
        let base = "http://127.0.0.1:\(port)"
        return try await withRunningService(sim, port: port) {
            var settings = [
                "HNS_STRIPE_API_BASE": base, "HNS_STRIPE_SECRET_KEY": stripeKey, "HNS_BUS_TOKEN_BACKEND": busToken,
                "HNS_QUEUE_SIGNING_KEY": queueKey, "HNS_PAYMENT_GRACE": grace, "HNS_PAYMENT_RECONCILE_INTERVAL": reconcile,
                "HNS_ORDER_WAIT_RECHECK": waitRecheck,
            ]
            if eRacuni {
                settings.merge([
                    "HNS_ERACUNI_URL": base + "/WebServicesHR/API", "HNS_ERACUNI_USERNAME": user.lowercased(),
                    "HNS_ERACUNI_SECRET_KEY": "api-secret-0123",
                    "HNS_ERACUNI_TOKEN": "649026C063054A139549200F3C9D01C6", "HNS_ERACUNI_TIMEOUT": "2s", "HNS_INVOICE_SEND_INTERVAL": "200ms",
                ]) { _, new in new }
            }
            let environment = settings.merging(extra) { _, new in new }
            return try await TicketingHarness.with(holdTTL: holdTTL, sweep: sweep, environment: environment, clock: clock) { h in
                try await body(PurchaseHarness(h: h, stripeBase: base, environment: environment))
            }
        }
    }

    // MARK: Identities

    /// A valid OIB derived from `n` (ten digits, then the MOD 11,10 check digit).
    static func oib(_ n: Int) -> String {
        let digits = String(abs(n) % 10_000_000_000)
        let ten = String(repeating: "0", count: 10 - digits.count) + digits
        return ten + String(OIB.checkDigit(ten.map { Int(String($0))! }))
    }

    static func attendee(_ n: Int, first: String = "Ivan", last: String = "Horvat", email: String? = nil) -> String {
        let deliver = email.map { #","deliver_to_email":"\#($0)""# } ?? ""
        return
            #"{"first_name":"\#(first)","last_name":"\#(last)\#(n)","date_of_birth":"1990-04-0\#(n % 9 + 1)","oib":"\#(oib(n))","nationality":"HR"\#(deliver)}"#
    }

    // MARK: Steps

    /// Hold `seats` in sector A and order them; returns (hold id, order reply).
    func order(_ match: Int64, user: String, seats: Int = 2, attendees: [String]? = nil, headers: [String: String] = [:]) async throws -> (
        String, TicketingHarness.Reply
    ) {
        let hold = try await self.h.hold(match, user: user, quantity: seats)
        guard hold.status == 201, let holdID = hold.object["id"] as? String else { throw HarnessError(reply: hold) }
        let people = attendees ?? (0..<seats).map { Self.attendee(Int.random(in: 1...999_999_999) &* 7 + $0) }
        let reply = try await self.h.call(
            "POST", "/api/v1/orders", token: try await TicketingHarness.token(user: user),
            json: #"{"hold_id":"\#(holdID)","attendees":[\#(people.joined(separator: ","))]}"#, headers: headers)
        return (holdID, reply)
    }

    func pay(_ orderID: String, user: String) async throws -> TicketingHarness.Reply {
        try await self.h.call("POST", "/api/v1/orders/\(orderID)/payment", token: try await TicketingHarness.token(user: user))
    }

    /// The simulator confirms the PaymentIntent (as the app's Stripe SDK would) without sending the webhook.
    func confirm(_ paymentIntent: String, outcome: String = "succeeded") async throws {
        let reply = try await TestHTTP.send(
            "POST", self.stripeBase + "/_sim/payment_intents/\(paymentIntent)/confirm",
            headers: [
                "Authorization": "Bearer \(Self.stripeKey)", "Content-Type": "application/x-www-form-urlencoded",
            ], body: Array("outcome=\(outcome)&deliver=false".utf8))
        guard reply.status == 200 else { throw SimError(text: "confirm: \(reply.status) \(reply.text)") }
    }

    /// The events the simulator recorded for a PaymentIntent, oldest first, as raw JSON.
    func events(for paymentIntent: String) async throws -> [String] {
        let reply = try await TestHTTP.send("GET", self.stripeBase + "/_sim/events", headers: ["Authorization": "Bearer \(Self.stripeKey)"])
        guard let root = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any], let data = root["data"] as? [[String: Any]]
        else {
            throw SimError(text: "events: \(reply.text)")
        }
        return try data.filter { (($0["data"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String == paymentIntent }
            .map { event in
                var copy = event
                copy.removeValue(forKey: "deliveries")
                return String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
            }
    }

    /// The events of one type the simulator recorded, oldest first, as raw JSON.
    func events(ofType type: String) async throws -> [String] {
        let reply = try await TestHTTP.send(
            "GET", self.stripeBase + "/_sim/events?type=\(type)", headers: ["Authorization": "Bearer \(Self.stripeKey)"])
        guard let root = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any], let data = root["data"] as? [[String: Any]]
        else {
            throw SimError(text: "events: \(reply.text)")
        }
        return try data.map { event in
            var copy = event
            copy.removeValue(forKey: "deliveries")
            return String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
        }
    }

    /// Delivers a Stripe event as the bus does: envelope, Bearer token, Event-Seq.
    func deliver(_ eventJSON: String, token: String = busToken) async throws -> TicketingHarness.Reply {
        let envelope =
            #"{"subject":"stripe.backend","data":\#(eventJSON),"timestamp":"2026-11-30T00:00:00.000Z","message_id":"m-\#(UUID().uuidString)"}"#
        return try await self.h.call(
            "POST", "/webhooks/stripe", json: envelope,
            headers: [
                "Authorization": "Bearer \(token)", "Event-Seq": "1", "Delivery-Attempt": "1",
            ])
    }

    func refunds(for paymentIntent: String) async throws -> [[String: Any]] {
        let reply = try await TestHTTP.send(
            "GET", self.stripeBase + "/v1/refunds?payment_intent=\(paymentIntent)",
            headers: ["Authorization": "Bearer \(Self.stripeKey)"])
        let root = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
        return (root?["data"] as? [[String: Any]]) ?? []
    }

    func orderState(_ orderID: String) async throws -> String {
        try await self.h.query("SELECT state FROM orders.orders WHERE id = \(UUID(uuidString: orderID)!)", as: String.self).first ?? "none"
    }

    struct SimError: Error, CustomStringConvertible {
        let text: String
        var description: String { self.text }
    }
}
