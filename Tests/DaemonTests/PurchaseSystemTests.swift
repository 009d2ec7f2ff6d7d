import Foundation
import HNSCore
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The whole purchase across every daemon, as processes: queue → turn → hold → attendees →
/// PaymentIntent → the simulator confirms and sends a signed webhook → router → bus → ticketing →
/// tickets in the wallet. Also a `kill -9` of hns-ticketing between payment and issuance.
@Suite(.serialized) struct PurchaseSystemTests {
    static let stripeKey = "sk_test_system_0123456789abcdef"
    static let webhookSecret = "whsec_system_test_0123456789"

    struct System {
        let env: [String: String]
        let log: String
        let ticketing: String
        let queue: String
        let sim: String
        let ticketingPort: Int
        var pids: [String: pid_t]

        func call(_ method: String, _ url: String, token: String? = nil, json: String? = nil, headers: [String: String] = [:]) async throws
            -> TestHTTP.Reply
        {
            var h = headers
            if let token { h["Authorization"] = "Bearer \(token)" }
            if json != nil { h["Content-Type"] = "application/json" }
            return try await TestHTTP.send(method, url, headers: h, body: json.map { Array($0.utf8) })
        }

        var output: String { (try? String(contentsOfFile: self.log, encoding: .utf8)).map { String($0.suffix(4000)) } ?? "" }
    }

    static func token(_ user: String, roles: [String] = ["customer"], amr: [String] = ["pwd"]) async throws -> String {
        let claims = JWKSTestServer.claims(
            issuer: DaemonProcessTests.tokens["HNS_IDENTITY_ISSUER"]!, audience: "hns-ticketing",
            subject: user, roles: roles, amr: amr, expiresIn: .seconds(600))
        return try await JWKSTestServer.mint(claims: claims, signature: .hs256(secret: DaemonProcessTests.tokens["HNS_IDENTITY_HS256_SECRET"]!))
    }

    static func spawn(_ daemon: String, _ env: [String: String], _ log: String) throws -> pid_t {
        try ChildProcess.spawn(TestEnvironment.executable(daemon), ["serve"], environment: env, output: log)
    }

    static func withSystem(environment extra: [String: String] = [:], _ body: (inout System) async throws -> Void) async throws {
        let db = try await TestDatabase.create(migrating: ["eventbus", "ticketing"])
        defer { Task { await db.drop() } }
        // Match ids (and so the queue's Redis keys) start at a random offset: Redis is shared by every test.
        try await db.withClient { client in
            try await client.query(
                "SELECT setval('matches.matches_id_seq', \(Int64.random(in: 1_000_000...1_000_000_000_000)))", logger: Logger(label: "test"))
        }
        let redis = try await RedisTestServer.sharedURL()
        var ports: [Int] = []
        for _ in 0..<5 { ports.append(try await ChildProcess.freePort()) }
        let (ticketing, queue, router, bus, sim) = (ports[0], ports[1], ports[2], ports[3], ports[4])
        var env = DaemonProcessTests.tokens
        env.merge([
            "PATH": "/usr/bin:/bin", "HNS_LOG_LEVEL": "warning", "HNS_DATABASE_URL": db.url, "HNS_REDIS_URL": redis,
            "HNS_TICKETING_PORT": String(ticketing), "HNS_QUEUE_PORT": String(queue), "HNS_STRIPE_ROUTER_PORT": String(router),
            "HNS_EVENTBUS_PORT": String(bus), "HNS_EVENTBUS_CONFIG": TestEnvironment.repoRoot + "/stream-config",
            "HNS_EVENTBUS_URL": "http://127.0.0.1:\(bus)",
            "HNS_BACKEND_STRIPE_URL": "http://127.0.0.1:\(ticketing)/webhooks/stripe",
            "HNS_BACKEND_EVENTS_URL": "http://127.0.0.1:\(ticketing)/api/v1/webhooks/nats",
            "HNS_STRIPE_WEBHOOK_SECRETS": webhookSecret, "HNS_STRIPE_ROUTES": TestEnvironment.repoRoot + "/deploy/stripe-routes.yaml",
            "HNS_STRIPE_API_BASE": "http://127.0.0.1:\(sim)", "HNS_STRIPE_SECRET_KEY": stripeKey,
            "HNS_STRIPE_SIM_PORT": String(sim), "HNS_STRIPE_SIM_API_KEY": stripeKey,
            "HNS_STRIPE_SIM_WEBHOOK_URL": "http://127.0.0.1:\(router)/webhook/stripe", "HNS_STRIPE_SIM_WEBHOOK_SECRET": webhookSecret,
            "HNS_QUEUE_TICK": "200ms",
        ]) { $1 }
        env.merge(extra) { $1 }
        let log = NSTemporaryDirectory() + "system-\(UUID().uuidString).log"
        var pids: [String: pid_t] = [:]
        for (daemon, token) in [
            ("hns-eventbus", ""), ("hns-stripe-router", "HNS_BUS_TOKEN_STRIPE_ROUTER"), ("hns-queue", ""),
            ("hns-ticketing", "HNS_BUS_TOKEN_TICKETING"), ("hns-stripe-sim", ""),
        ] {
            var own = env
            if !token.isEmpty { own["HNS_EVENTBUS_TOKEN"] = env[token]! }
            pids[daemon] = try Self.spawn(daemon, own, log)
        }
        var system = System(
            env: env, log: log, ticketing: "http://127.0.0.1:\(ticketing)", queue: "http://127.0.0.1:\(queue)",
            sim: "http://127.0.0.1:\(sim)", ticketingPort: ticketing, pids: pids)
        defer { for pid in system.pids.values { kill(pid, SIGKILL) } }
        for port in ports {
            let ready = try await eventually(timeout: .seconds(30)) { (try? await TestHTTP.get("http://127.0.0.1:\(port)/readyz"))?.status == 200 }
            try #require(ready, "port \(port) not ready: \(system.output)")
        }
        try await body(&system)
    }

    static func oib(_ n: Int) -> String {
        let digits = String(n % 10_000_000_000)
        let ten = Array(String(repeating: "0", count: 10 - digits.count) + digits).map { Int(String($0))! }
        var a = 10
        for d in ten {
            a = (a + d) % 10
            if a == 0 { a = 10 }
            a = (a * 2) % 11
        }
        let check = 11 - a == 10 ? 0 : 11 - a
        return ten.map(String.init).joined() + String(check)
    }

    static func attendee(_ n: Int) -> String {
        #"{"first_name":"Luka","last_name":"Perić\#(n)","date_of_birth":"1995-06-1\#(n % 9)","oib":"\#(oib(n))","nationality":"HR"}"#
    }

    /// An admin-created HOME match on sale at a small ground (2 sectors × 2 rows × 10 seats).
    static func matchOnSale(_ s: System) async throws -> Int {
        let admin = try await token("admin-1", roles: ["admin"], amr: ["pwd", "mfa"])
        func row(_ r: Int) -> String {
            let seats = (1...10).map { n in
                #"{"label":"\#(n)","number":\#(n),"x":\#(n),"y":\#(r),"snake_order":\#((r - 1) * 10 + (r % 2 == 1 ? n : 11 - n))}"#
            }
            return #"{"label":"\#(r)","row_priority":\#(r),"seats":[\#(seats.joined(separator: ","))]}"#
        }
        let sectors = ["A", "B"].map { code in
            #"{"code":"\#(code)","name":"Sector \#(code)","stand":"West","gate":"G1","price_category":"CAT1","kind":"numbered","rows":[\#(row(1)),\#(row(2))]}"#
        }
        let stadium = try await s.call(
            "POST", s.ticketing + "/api/v1/admin/stadiums", token: admin,
            json:
                #"{"code":"sys-\#(UUID().uuidString.prefix(6).lowercased())","name":"System Ground","city":"Zagreb","sectors":[\#(sectors.joined(separator: ","))]}"#
        )
        try #require(stadium.status == 201, "\(stadium.text)")
        let stadiumID = try #require(stadium.json?["id"]?.intValue)
        let match = try await s.call(
            "POST", s.ticketing + "/api/v1/admin/matches", token: admin,
            json: """
                {"competition":"Prva HNL","opponent":"Hajduk","venue_kind":"home","venue":"Maksimir","stadium_id":\(stadiumID),
                 "kickoff":"2030-05-01T20:45","max_tickets_per_buyer":4,"sales_phases":[],"prices":{"CAT1":2500}}
                """)
        try #require(match.status == 201, "\(match.text)")
        let id = try #require(match.json?["id"]?.intValue)
        for state in ["published", "on_sale"] {
            let moved = try await s.call("POST", s.ticketing + "/api/v1/admin/matches/\(id)/state", token: admin, json: #"{"state":"\#(state)"}"#)
            try #require(moved.status == 200, "\(moved.text)")
        }
        return id
    }

    /// Joins the queue and waits for the turn; returns the purchase token.
    static func turn(_ s: System, match: Int, user: String) async throws -> String {
        let fan = try await token(user)
        let joined = try await s.call("POST", s.queue + "/v1/queues/\(match)/join", token: fan)
        try #require(joined.status == 201, "\(joined.text)")
        let ticket = try #require(joined.json?["queue_ticket"]?.stringValue)
        var purchase: String?
        _ = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
            let position = try await s.call("GET", s.queue + "/v1/queues/\(match)/position", headers: ["X-Queue-Ticket": ticket])
            purchase = position.json?["purchase_token"]?.stringValue
            return purchase != nil
        }
        return try #require(purchase, "no turn: \(s.output)")
    }

    static func confirm(_ s: System, _ pi: String) async throws {
        let confirmed = try await TestHTTP.send(
            "POST", s.sim + "/_sim/payment_intents/\(pi)/confirm",
            headers: [
                "Authorization": "Bearer \(stripeKey)", "Content-Type": "application/x-www-form-urlencoded",
            ], body: Array("outcome=succeeded".utf8))
        try #require(confirmed.status == 200, "\(confirmed.text)")
    }

    @Test func a_fan_buys_through_all_four_daemons_and_a_crash_loses_nothing() async throws {
        try await Self.withSystem { s in
            let match = try await Self.matchOnSale(s)
            let opened = try await s.call(
                "PUT", s.queue + "/v1/queues/\(match)", token: DaemonProcessTests.tokens["HNS_QUEUE_SERVICE_TOKEN"]!,
                json: """
                    {"sale_starts_at":"\(ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60)))","admission_per_minute":600,
                     "max_active_windows":10,"state":"open"}
                    """)
            try #require(opened.status == 201, "\(opened.text)")
            let fan = try await Self.token("system-fan")
            // The queue is active: no purchase token, no seats.
            #expect(
                try await s.call("POST", s.ticketing + "/api/v1/matches/\(match)/holds", token: fan, json: #"{"sector":"A","quantity":2}"#).status
                    == 403)
            let purchase = try await Self.turn(s, match: match, user: "system-fan")
            let withTurn = ["X-Purchase-Token": purchase]
            let hold = try await s.call(
                "POST", s.ticketing + "/api/v1/matches/\(match)/holds", token: fan, json: #"{"sector":"A","quantity":2}"#, headers: withTurn)
            try #require(hold.status == 201, "\(hold.text)")
            let holdID = try #require(hold.json?["id"]?.stringValue)

            // One attendee is blacklisted: refused; with another person the order goes through.
            let admin = try await Self.token("admin-1", roles: ["admin"], amr: ["pwd", "mfa"])
            #expect(
                try await s.call(
                    "POST", s.ticketing + "/api/v1/admin/blacklist", token: admin,
                    json: #"{"oib":"\#(Self.oib(9002))","reason":"stadium ban"}"#
                ).status == 201)
            let refused = try await s.call(
                "POST", s.ticketing + "/api/v1/orders", token: fan,
                json: #"{"hold_id":"\#(holdID)","attendees":[\#(Self.attendee(9001)),\#(Self.attendee(9002))]}"#,
                headers: withTurn.merging(["Idempotency-Key": "o-1"]) { $1 })
            #expect(refused.status == 403)
            let order = try await s.call(
                "POST", s.ticketing + "/api/v1/orders", token: fan,
                json: #"{"hold_id":"\#(holdID)","attendees":[\#(Self.attendee(9001)),\#(Self.attendee(9003))]}"#,
                headers: withTurn.merging(["Idempotency-Key": "o-2"]) { $1 })
            try #require(order.status == 201, "\(order.text)")
            let orderID = try #require(order.json?["id"]?.stringValue)
            let pay = try await s.call("POST", s.ticketing + "/api/v1/orders/\(orderID)/payment", token: fan, headers: withTurn)
            try #require(pay.status == 201, "\(pay.text)")
            let pi = try #require(pay.json?["payment_intent_id"]?.stringValue)

            // The simulator confirms and sends the signed webhook: router → bus → ticketing. The app waits
            // for the outcome with one long poll, answered when the order settles.
            try await Self.confirm(s, pi)
            let outcome = try await s.call("GET", s.ticketing + "/api/v1/orders/\(orderID)?wait=20", token: fan)
            #expect(outcome.json?["state"]?.stringValue == "tickets_issued", "\(outcome.text) \(s.output)")
            let wallet = try await s.call("GET", s.ticketing + "/api/v1/wallet/tickets", token: fan)
            guard case .array(let tickets)? = wallet.json?["tickets"] else {
                Issue.record("no wallet: \(wallet.text)")
                return
            }
            #expect(tickets.count == 2)
            #expect(
                tickets.allSatisfy { ($0["qr"] ?? .null) == .null && $0["qr_visible_from"]?.stringValue == "2030-05-01T13:45:00Z" }, "\(wallet.text)")
            // The order freed the fan's purchase window in the queue.
            #expect(
                try await eventually(timeout: .seconds(10)) {
                    try await s.call("GET", s.queue + "/v1/queues/\(match)", token: DaemonProcessTests.tokens["HNS_QUEUE_SERVICE_TOKEN"]!)
                        .json?["active_windows"]?.intValue == 0
                })

            // A second fan pays while hns-ticketing is down: the bus keeps the event until it is back.
            let other = try await Self.token("system-fan-2")
            let turn2 = ["X-Purchase-Token": try await Self.turn(s, match: match, user: "system-fan-2")]
            let hold2 = try await s.call(
                "POST", s.ticketing + "/api/v1/matches/\(match)/holds", token: other, json: #"{"sector":"B","quantity":1}"#, headers: turn2)
            let order2 = try await s.call(
                "POST", s.ticketing + "/api/v1/orders", token: other,
                json: #"{"hold_id":"\#(hold2.json?["id"]?.stringValue ?? "")","attendees":[\#(Self.attendee(9004))]}"#, headers: turn2)
            let order2ID = try #require(order2.json?["id"]?.stringValue, "\(order2.text)")
            let pi2 = try #require(
                try await s.call("POST", s.ticketing + "/api/v1/orders/\(order2ID)/payment", token: other, headers: turn2)
                    .json?["payment_intent_id"]?.stringValue)
            kill(s.pids["hns-ticketing"]!, SIGKILL)
            _ = await ChildProcess.wait(s.pids["hns-ticketing"]!, timeout: .seconds(10))
            try await Self.confirm(s, pi2)
            try await Task.sleep(for: .seconds(2))
            var own = s.env
            own["HNS_EVENTBUS_TOKEN"] = s.env["HNS_BUS_TOKEN_TICKETING"]!
            s.pids["hns-ticketing"] = try Self.spawn("hns-ticketing", own, s.log)
            let back = try await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                (try? await s.call("GET", s.ticketing + "/api/v1/orders/\(order2ID)", token: other))?.json?["state"]?.stringValue == "tickets_issued"
            }
            #expect(back, "\(s.output)")
            // Stripe sends the event once more (as it does when unsure): still one set of tickets.
            let events = try await TestHTTP.send(
                "GET", s.sim + "/_sim/events?payment_intent=\(pi2)", headers: ["Authorization": "Bearer \(Self.stripeKey)"])
            if case .array(let list)? = events.json?["data"], let id = list.last?["id"]?.stringValue {
                _ = try await TestHTTP.send("POST", s.sim + "/_sim/events/\(id)/resend", headers: ["Authorization": "Bearer \(Self.stripeKey)"])
            }
            try await Task.sleep(for: .seconds(1))
            let mine = try await s.call("GET", s.ticketing + "/api/v1/wallet/tickets", token: other)
            guard case .array(let second)? = mine.json?["tickets"] else {
                Issue.record("no wallet: \(mine.text)")
                return
            }
            #expect(second.count == 1)
        }
    }
}

extension JSONValue {
    fileprivate var intValue: Int? {
        if case .number(let n) = self { return Int(exactly: n) }
        return nil
    }
}
