import Crypto
import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// E6, loyalty: points for attending, from the stadium's attendance (imported by access control),
/// once per person (OIB, else passport) per match, by rules per competition and venue. Every
/// award is a row of an append-only ledger; a person's tier follows from their balance and the
/// thresholds, and it is what early-access sales phases admit. When such a phase opens, every fan
/// of an eligible tier is sent a push (a notification job).
struct Loyalty: Sendable {
    let postgres: PostgresClient
    let profiles: Profiles
    let matches: Matches
    let logger: Logger
    var settings = Settings()

    struct Points: Sendable, Equatable, Decodable {
        var home: Int
        var away: Int
    }

    struct Settings: Sendable {
        /// Points for attending, by venue kind; `competitions` overrides them by competition name.
        var points = Points(home: 10, away: 20)
        var competitions: [String: Points] = [:]
        /// Whether a ticket support transferred to someone else earns its holder points.
        var transferredEarns = false
        /// Whether a ticket the buyer sent to another email earns its holder points.
        var otherEmailEarns = false
        /// Points from which each tier starts, lowest tier first.
        var tiers: [(name: String, points: Int)] = [("bronze", 10), ("silver", 50), ("gold", 150)]

        func tier(_ points: Int) -> String { self.tiers.last { points >= $0.points }?.name ?? "none" }

        func points(competition: String, venueKind: String) -> Int {
            let rule = self.competitions[competition] ?? self.points
            return venueKind == "away" ? rule.away : rule.home
        }
    }

    /// The rules as `HNS_LOYALTY_RULES` gives them (JSON).
    struct Rules: Decodable, Sendable {
        var home: Int?
        var away: Int?
        var competitions: [String: Points]?
        var transferredTicketsEarn: Bool?
        var otherEmailTicketsEarn: Bool?
        enum CodingKeys: String, CodingKey {
            case home, away, competitions
            case transferredTicketsEarn = "transferred_tickets_earn"
            case otherEmailTicketsEarn = "other_email_tickets_earn"
        }
    }

    /// An attended ticket, as access control hands it over.
    struct Attended: Sendable {
        let ticketID: UUID
        let personKey: String
        let transferred: Bool
        let otherEmail: Bool
    }

    /// People per `loyalty.points_awarded` event.
    static let eventBatch = 1000

    /// Awards points for a match's attended tickets as part of the caller's transaction: once per
    /// person and match (the ledger's unique index makes a second import a no-op), none where the
    /// rules say a transferred or re-sent ticket does not earn. Bus events and the trail's entry go
    /// with it. Returns how many people earned, and how many of them changed tier.
    func award(_ connection: PostgresConnection, match: Matches.Match, attended: [Attended], actor: Actor) async throws -> (
        awarded: Int, tierChanges: Int
    ) {
        let matchID = match.id
        let points = self.settings.points(competition: match.competition, venueKind: match.venueKind)
        let earning = attended.filter { (self.settings.transferredEarns || !$0.transferred) && (self.settings.otherEmailEarns || !$0.otherEmail) }
        guard points > 0, !earning.isEmpty else { return (0, 0) }
        // The person's pseudonym is made here too: `p_` and 20 hex digits of the SHA-256 of their key.
        let rows = try await connection.query(
            """
            WITH a AS (SELECT * FROM unnest(\(earning.map(\.personKey))::text[], \(earning.map(\.ticketID))::uuid[]) AS a(person_key, ticket_id)),
            ins AS (
                INSERT INTO loyalty.ledger (person_key, points, reason, match_id, ticket_id)
                SELECT person_key, \(points), 'attendance', \(matchID), ticket_id FROM a
                ON CONFLICT (person_key, match_id, reason) DO NOTHING
                RETURNING person_key, ticket_id),
            bal AS (
                INSERT INTO loyalty.balances AS b (person_key, points) SELECT person_key, \(points) FROM ins
                ON CONFLICT (person_key) DO UPDATE SET points = b.points + EXCLUDED.points, updated_at = now()
                RETURNING person_key, points)
            SELECT coalesce(array_agg('p_' || left(encode(sha256(convert_to(ins.person_key, 'UTF8')), 'hex'), 20)), '{}'),
                   coalesce(array_agg(ins.ticket_id::text), '{}'), coalesce(array_agg(bal.points::bigint), '{}')
            FROM ins JOIN bal USING (person_key)
            """, logger: self.logger)
        // One row of arrays: a row per person would be its own step through the driver.
        var (people, tickets, balances): ([String], [String], [Int]) = ([], [], [])
        for try await row in rows.decode(([String], [String], [Int]).self) { (people, tickets, balances) = row }
        let awarded = min(people.count, tickets.count, balances.count)
        var messages: [Outbox.Message] = []
        var changes = 0
        // An import awards thousands at once: one event per `eventBatch` people, listing them in
        // three columns (people, ticket_ids, balances), named by its first ticket (which earns once,
        // so the name is never reused).
        for start in stride(from: 0, to: awarded, by: Self.eventBatch) {
            let batch = start..<min(start + Self.eventBatch, awarded)
            messages.append(
                .init(
                    subject: "loyalty.points_awarded", msgID: "loyalty.points_awarded:\(matchID):\(tickets[start])",
                    payload: .object([
                        "match_id": .number(Double(matchID)), "points": .number(Double(points)), "reason": .string("attendance"),
                        "people": .array(people[batch].map(JSONValue.string)), "ticket_ids": .array(tickets[batch].map(JSONValue.string)),
                        "balances": .array(balances[batch].map { .number(Double($0)) }),
                    ])))
        }
        for i in 0..<awarded {
            let (before, after) = (self.settings.tier(balances[i] - points), self.settings.tier(balances[i]))
            guard before != after else { continue }
            changes += 1
            messages.append(
                .init(
                    subject: "loyalty.tier_changed", msgID: "loyalty.tier_changed:\(matchID):\(people[i])",
                    payload: .object([
                        "person": .string(people[i]), "from": .string(before), "to": .string(after), "balance": .number(Double(balances[i])),
                    ])))
        }
        guard awarded > 0 else { return (0, 0) }
        var writes = PreparedWrites()
        Outbox.add(messages, to: &writes)
        Audit.add(
            Audit.Entry(
                domain: .loyalty, action: "loyalty.points_awarded", actor: actor, subjects: ["match:\(matchID)"],
                data: [
                    "people": .number(Double(awarded)), "points_each": .number(Double(points)), "tier_changes": .number(Double(changes)),
                ]), to: &writes)
        try await writes.run(on: connection, logger: self.logger)
        return (awarded, changes)
    }

    /// A person's balance (0 without any award).
    static func balance(_ connection: PostgresConnection, personKey: String, logger: Logger) async throws -> Int {
        let rows = try await connection.query("SELECT points FROM loyalty.balances WHERE person_key = \(personKey)", logger: logger)
        for try await points in rows.decode(Int.self) { return points }
        return 0
    }

    func tier(personKey: String) async throws -> String {
        try await self.postgres.withConnection { self.settings.tier(try await Self.balance($0, personKey: personKey, logger: self.logger)) }
    }

    /// The tier sales phases check for a buyer; `none` without a profile.
    func tier(userID: String) async throws -> String {
        guard let key = try await self.profiles.personKey(userID: userID) else { return "none" }
        return try await self.tier(personKey: key)
    }

    struct Account: Encodable, Sendable {
        struct Entry: Encodable, Sendable {
            let points: Int
            let reason: String
            let matchId: Int64?
            let ticketId: UUID?
            let at: Date
            enum CodingKeys: String, CodingKey {
                case points, reason, at
                case matchId = "match_id"
                case ticketId = "ticket_id"
            }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(self.points, forKey: .points)
                try c.encode(self.reason, forKey: .reason)
                try c.encode(self.matchId, forKey: .matchId)
                try c.encode(self.ticketId?.lowercased, forKey: .ticketId)
                try c.encode(self.at, forKey: .at)
            }
        }
        let points: Int
        let tier: String
        let nextTier: String?
        let pointsToNextTier: Int?
        let history: [Entry]
        enum CodingKeys: String, CodingKey {
            case points, tier, history
            case nextTier = "next_tier"
            case pointsToNextTier = "points_to_next_tier"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(self.points, forKey: .points)
            try c.encode(self.tier, forKey: .tier)
            try c.encode(self.nextTier, forKey: .nextTier)
            try c.encode(self.pointsToNextTier, forKey: .pointsToNextTier)
            try c.encode(self.history, forKey: .history)
        }
    }

    /// The signed-in fan's points, tier and latest awards (100), through their profile's person.
    func account(userID: String) async throws -> Account {
        guard let key = try await self.profiles.personKey(userID: userID) else {
            return self.account(points: 0, history: [])
        }
        return try await self.postgres.withConnection { connection in
            let points = try await Self.balance(connection, personKey: key, logger: self.logger)
            let rows = try await connection.query(
                """
                SELECT points, reason, match_id, ticket_id, at FROM loyalty.ledger WHERE person_key = \(key) ORDER BY id DESC LIMIT 100
                """, logger: self.logger)
            var history: [Account.Entry] = []
            for try await (p, reason, match, ticket, at) in rows.decode((Int, String, Int64?, UUID?, Date).self) {
                history.append(.init(points: p, reason: reason, matchId: match, ticketId: ticket, at: at))
            }
            return self.account(points: points, history: history)
        }
    }

    private func account(points: Int, history: [Account.Entry]) -> Account {
        let next = self.settings.tiers.first { $0.points > points }
        return Account(
            points: points, tier: self.settings.tier(points), nextTier: next?.name, pointsToNextTier: next.map { $0.points - points },
            history: history)
    }

    /// Sends each early-access phase that has opened, once, a push job per fan of an eligible tier.
    /// Returns how many phases were announced.
    func announceOpenPhases(now: Date = Date()) async throws -> Int {
        var announced = 0
        for match in try await self.matches.list(includeDrafts: false) where match.state == .onSale {
            for phase in match.salesPhases where phase.eligibility == .loyalty && phase.startsAt <= now && now < phase.endsAt {
                if try await self.announce(phase, of: match) { announced += 1 }
            }
        }
        return announced
    }

    private func announce(_ phase: SalesPhase, of match: Matches.Match) async throws -> Bool {
        let threshold =
            SalesPhase.tiers.firstIndex(of: phase.minTier ?? "bronze").map { index in
                self.settings.tiers.first { $0.name == SalesPhase.tiers[index] }?.points ?? Int.max
            } ?? Int.max
        return try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> Bool in
            let claimed = try await connection.query(
                """
                INSERT INTO loyalty.phase_notices (match_id, phase, recipients) VALUES (\(match.id), \(phase.name), 0)
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: self.logger)
            guard try await claimed.collect().count == 1 else { return false }
            let rows = try await connection.query(
                "SELECT person_key FROM loyalty.balances WHERE points >= \(threshold)", logger: self.logger)
            var keys: [String] = []
            for try await key in rows.decode(String.self) { keys.append(key) }
            let users = try await Profiles.users(connection, personKeys: keys, logger: self.logger)
            var writes = PreparedWrites()
            writes.add("UPDATE loyalty.phase_notices SET recipients = \(users.count) WHERE match_id = \(match.id) AND phase = \(phase.name)")
            Outbox.add(
                users.map { user in
                    Outbox.Message(
                        subject: "loyalty.early_access_opened", msgID: "loyalty.early_access_opened:\(match.id):\(phase.name):\(user)",
                        payload: .object([
                            "user_id": .string(user), "match_id": .number(Double(match.id)), "phase": .string(phase.name),
                            "min_tier": .string(phase.minTier ?? "bronze"), "ends_at": .string(Envelope.rfc3339(phase.endsAt)),
                            "channels": .array([.string("push")]),
                        ]), job: true)
                }, to: &writes)
            Audit.add(
                Audit.Entry(
                    domain: .loyalty, action: "loyalty.early_access_announced", actor: .service("system"), subjects: ["match:\(match.id)"],
                    data: ["phase": .string(phase.name), "recipients": .number(Double(users.count))]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return true
        }
    }
}
