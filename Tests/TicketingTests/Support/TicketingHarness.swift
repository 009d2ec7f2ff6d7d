import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import HNSTestSupport
import Logging
import PostgresNIO

@testable import Ticketing

/// A real `hns-ticketing` (HTTP, PostgreSQL, Redis, background services) on a fresh database.
struct TicketingHarness: Sendable {
    static let issuer = "https://hns.hr/drupal-test"
    static let audience = "hns-ticketing"
    static let secret = "ticketing-test-identity-secret-0123456789"

    let db: TestDatabase
    let port: Int
    let redisURL: String
    var base: String { "http://127.0.0.1:\(self.port)" }

    static func with<T: Sendable>(
        holdTTL: String = "15m", sweep: String = "1h", environment: [String: String] = [:], clock: ManualClock? = nil,
        _ body: @Sendable (TicketingHarness) async throws -> T
    ) async throws -> T {
        let db = try await TestDatabase.create(migrating: ["ticketing"])
        // Ids start at a random offset so that Redis keys (per match) of parallel tests never meet.
        let offset = Int64.random(in: 1_000_000...1_000_000_000_000)
        try await db.withClient { client in
            try await client.query("SELECT setval('matches.matches_id_seq', \(offset))", logger: Self.logger)
        }
        let redis = try await RedisTestServer.sharedURL()
        let port = try await ChildProcess.freePort()
        let harness = TicketingHarness(db: db, port: port, redisURL: redis)
        let config = try harness.configuration(holdTTL: holdTTL, sweep: sweep, environment: environment)
        let app = await TicketingApp.build(configuration: config, logger: Self.logger, clock: clock?.wallClock ?? .system)
        let result = try await withRunningService(app, port: port) { try await body(harness) }
        await db.drop()
        return result
    }

    private func configuration(holdTTL: String, sweep: String, environment: [String: String]) throws -> TicketingConfiguration {
        try TicketingConfiguration.fromEnvironment(
            [
                "HNS_DATABASE_URL": self.db.url, "HNS_REDIS_URL": self.redisURL, "HNS_TICKETING_PORT": String(self.port), "HNS_LOG_LEVEL": "error",
                "HNS_IDENTITY_ISSUER": Self.issuer, "HNS_IDENTITY_AUDIENCE": Self.audience, "HNS_IDENTITY_HS256_SECRET": Self.secret,
                "HNS_HOLD_TTL": holdTTL, "HNS_HOLD_SWEEP_INTERVAL": sweep, "HNS_AVAILABILITY_REFRESH_INTERVAL": "1h",
                // Every test calls from 127.0.0.1 into one shared Redis: limits only where a test sets them.
                "HNS_PURCHASE_RATE_PER_USER": "off", "HNS_PURCHASE_RATE_PER_ADDRESS": "off",
            ].merging(environment) { _, new in new })
    }

    /// A second instance on the same database and Redis (as behind a load balancer), for `body`.
    func secondInstance<T: Sendable>(
        holdTTL: String = "15m", sweep: String = "1h", environment: [String: String] = [:], _ body: @Sendable (TicketingHarness) async throws -> T
    ) async throws -> T {
        let other = TicketingHarness(db: self.db, port: try await ChildProcess.freePort(), redisURL: self.redisURL)
        let config = try other.configuration(holdTTL: holdTTL, sweep: sweep, environment: environment)
        let app = await TicketingApp.build(configuration: config, logger: Self.logger)
        return try await withRunningService(app, port: other.port) { try await body(other) }
    }

    static var logger: Logger {
        var logger = Logger(label: "test.ticketing")
        logger.logLevel = .critical
        return logger
    }

    // MARK: Tokens

    static func token(
        user: String = "fan-1", email: String? = nil, roles: [String] = ["customer"], amr: [String] = ["pwd"], expiresIn: Duration = .seconds(300),
        issuer: String = TicketingHarness.issuer, secret: String = TicketingHarness.secret, station: String? = nil
    ) async throws -> String {
        var claims = JWKSTestServer.claims(issuer: issuer, audience: audience, subject: user, roles: roles, amr: amr, expiresIn: expiresIn)
        if let email { claims["email"] = .string(email) }
        if let station { claims["petrol_station"] = .string(station) }
        return try await JWKSTestServer.mint(claims: claims, signature: .hs256(secret: secret))
    }

    static func admin() async throws -> String { try await token(user: "admin-1", roles: ["admin"], amr: ["pwd", "mfa"]) }

    // MARK: HTTP

    struct Reply: Sendable {
        let status: Int
        let body: String
        var headers: [String: String] = [:]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(self.body.utf8)) }
        var object: [String: Any] { (self.json as? [String: Any]) ?? [:] }
        var array: [[String: Any]] { (self.json as? [[String: Any]]) ?? [] }
        /// `errors[].field` of a problem.
        var fields: [String] { ((self.object["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } }
    }

    func call(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, headers extra: [String: String] = [:], raw: String? = nil
    ) async throws -> Reply {
        var headers = extra
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if json != nil { headers["Content-Type"] = "application/json" }
        let reply = try await TestHTTP.send(method, self.base + path, headers: headers, body: (json ?? raw).map { Array($0.utf8) })
        return Reply(status: reply.status, body: reply.text, headers: reply.headers)
    }

    // MARK: Fixtures

    /// A small numbered ground: sector A with `rows` rows of `seats` seats (row 1 best), sector B
    /// likewise, and a standing sector S of 50.
    static func smallStadium(code: String = "test-\(UUID().uuidString.prefix(8).lowercased())", rows: Int = 3, seats: Int = 10) -> StadiumTemplate {
        func sector(_ code: String, category: String) -> StadiumTemplate.Sector {
            var snake = 0
            let rowList = (1...rows).map { r -> StadiumTemplate.Row in
                let numbers = r % 2 == 1 ? Array(1...seats) : Array((1...seats).reversed())
                var list: [StadiumTemplate.Seat] = []
                for n in numbers {
                    snake += 1
                    list.append(.init(label: String(n), number: n, x: Double(n), y: Double(r), snakeOrder: snake))
                }
                return .init(label: String(r), rowPriority: r, seats: list.sorted { $0.number < $1.number })
            }
            return .init(code: code, name: "Sector \(code)", stand: "West", gate: "G1", priceCategory: category, kind: .numbered, rows: rowList)
        }
        return StadiumTemplate(
            code: code, name: "Test Ground", city: "Zagreb",
            sectors: [
                sector("A", category: "CAT1"), sector("B", category: "CAT2"),
                .init(code: "S", name: "Standing", stand: "South", gate: "G4", priceCategory: "CAT3", kind: .standing, capacity: 50),
            ])
    }

    func importStadium(_ template: StadiumTemplate) async throws -> Int64 {
        let json = String(decoding: try JSONEncoder().encode(template), as: UTF8.self)
        let reply = try await self.call("POST", "/api/v1/admin/stadiums", token: try await Self.admin(), json: json)
        guard reply.status == 201, let id = reply.object["id"] as? Int else { throw HarnessError(reply: reply) }
        return Int64(id)
    }

    /// A HOME match on sale at a fresh small stadium. Returns the match id.
    func matchOnSale(maxPerBuyer: Int = 4, phases: String = "[]", rows: Int = 3, seats: Int = 10) async throws -> Int64 {
        let stadium = try await self.importStadium(Self.smallStadium(rows: rows, seats: seats))
        let admin = try await Self.admin()
        let created = try await self.call(
            "POST", "/api/v1/admin/matches", token: admin,
            json: """
                {"competition":"Prva HNL","opponent":"Hajduk","venue_kind":"home","venue":"Maksimir","stadium_id":\(stadium),
                 "kickoff":"2030-05-01T20:45","max_tickets_per_buyer":\(maxPerBuyer),"sales_phases":\(phases),
                 "prices":{"CAT1":5000,"CAT2":3500,"CAT3":2000}}
                """)
        guard created.status == 201, let id = created.object["id"] as? Int else { throw HarnessError(reply: created) }
        for state in ["published", "on_sale"] {
            let moved = try await self.call("POST", "/api/v1/admin/matches/\(id)/state", token: admin, json: #"{"state":"\#(state)"}"#)
            guard moved.status == 200 else { throw HarnessError(reply: moved) }
        }
        return Int64(id)
    }

    func hold(_ match: Int64, user: String, sector: String = "A", quantity: Int) async throws -> Reply {
        try await self.call(
            "POST", "/api/v1/matches/\(match)/holds", token: try await Self.token(user: user),
            json: #"{"sector":"\#(sector)","quantity":\#(quantity)}"#)
    }

    func query<T: PostgresDecodable & Sendable>(_ sql: PostgresQuery, as: T.Type) async throws -> [T] {
        try await self.db.withClient { client in
            var out: [T] = []
            for try await value in try await client.query(sql, logger: Self.logger).decode(T.self) { out.append(value) }
            return out
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let reply: TicketingHarness.Reply
    var description: String { "unexpected reply \(self.reply.status): \(self.reply.body.prefix(600))" }
}
