import Foundation
import HNSCore
import HNSPostgres
import HTTPTypes
import Logging
import PostgresNIO

/// E2: matches, their state machine and sales phases, and their versioned configuration.
struct Matches: Sendable {
    let postgres: PostgresClient
    let stadiums: Stadiums
    let inventory: Inventory
    let logger: Logger
    /// Told, inside the transaction, which units an AWAY match's seat map seated: the modules that
    /// copy seat labels (orders, tickets) update theirs.
    var seatsAssigned: @Sendable (PostgresConnection, _ matchID: Int64, [Inventory.Relabelled]) async throws -> Void = { _, _, _ in }
    /// The match as the sale rules read it, for a second: every hold asks, and inventory keeps the
    /// seats exact whatever this says. Changes made through this instance are seen at once.
    let saleCache = ShortCache<Int64, Match>(ttl: .seconds(1))

    static let zagreb = TimeZone(identifier: "Europe/Zagreb")!

    struct Match: Codable, Sendable, Equatable {
        let id: Int64
        let competition: String
        let opponent: String
        let venueKind: String
        let venue: String
        let stadiumId: Int64?
        let kickoffAt: Date
        /// Kick-off on the wall clock in Zagreb, as fans read it.
        let kickoffLocal: String
        let state: MatchState
        let maxTicketsPerBuyer: Int
        let salesPhases: [SalesPhase]
        let configVersion: Int
    }

    struct Create: Decodable, Sendable {
        var competition: String
        var opponent: String
        var venueKind: String
        var venue: String
        var stadiumId: Int64?
        var kickoff: String
        var maxTicketsPerBuyer: Int?
        var salesPhases: [SalesPhase]?
        var prices: [String: Int]
        var awaySectors: [Inventory.AwaySector]?
        enum CodingKeys: String, CodingKey {
            case competition, opponent
            case venueKind = "venue_kind"
            case venue
            case stadiumId = "stadium_id"
            case kickoff
            case maxTicketsPerBuyer = "max_tickets_per_buyer"
            case salesPhases = "sales_phases"
            case prices
            case awaySectors = "away_sectors"
        }
    }

    struct Update: Decodable, Sendable {
        var kickoff: String?
        var maxTicketsPerBuyer: Int?
        var salesPhases: [SalesPhase]?
        enum CodingKeys: String, CodingKey {
            case kickoff
            case maxTicketsPerBuyer = "max_tickets_per_buyer"
            case salesPhases = "sales_phases"
        }
    }

    /// `2026-12-05T20:45` is Zagreb time; a string with `Z` or an offset is taken as it says.
    static func parseKickoff(_ text: String) -> Date? {
        let absolute = ISO8601DateFormatter()
        if let date = absolute.date(from: text) { return date }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = Self.zagreb
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            local.dateFormat = format
            if let date = local.date(from: text) { return date }
        }
        return nil
    }

    static func localString(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = Self.zagreb
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f.string(from: date)
    }

    // MARK: Create and read

    func create(_ body: Create, actor: Actor) async throws -> Match {
        var errors: [Problem.FieldError] = []
        func need(_ field: String, _ value: String) {
            if value.trimmingCharacters(in: .whitespaces).isEmpty { errors.append(.init(field: field, message: "is required")) }
        }
        need("competition", body.competition)
        need("opponent", body.opponent)
        need("venue", body.venue)
        let kickoff = Self.parseKickoff(body.kickoff)
        if kickoff == nil {
            errors.append(.init(field: "kickoff", message: "must be a date-time, e.g. 2026-12-05T20:45 (Zagreb time) or with an offset"))
        }
        let maximum = body.maxTicketsPerBuyer ?? 4
        if !(1...50).contains(maximum) { errors.append(.init(field: "max_tickets_per_buyer", message: "must be between 1 and 50")) }
        errors += SalesPhase.validate(body.salesPhases ?? [])
        for (category, cents) in body.prices.sorted(by: { $0.key < $1.key }) {
            if category.wholeMatch(of: /[A-Z0-9_]{1,16}/) == nil {
                errors.append(.init(field: "prices.\(category)", message: "is not a price category code"))
            } else if !(0...MatchConfig.highestPriceCents).contains(cents) {
                errors.append(.init(field: "prices.\(category)", message: "must be between 0 and \(MatchConfig.highestPriceCents) cents"))
            }
        }
        var template: StadiumTemplate?
        var sectors: [String: MatchConfig.Sector] = [:]
        switch body.venueKind {
        case "home":
            if let id = body.stadiumId {
                do { template = try await self.stadiums.template(id: id) } catch is Stadiums.StadiumNotFound {
                    errors.append(.init(field: "stadium_id", message: "no stadium \(id)"))
                }
            } else {
                errors.append(.init(field: "stadium_id", message: "is required for a home match"))
            }
            if body.awaySectors != nil { errors.append(.init(field: "away_sectors", message: "only for away matches")) }
            for sector in template?.sectors ?? [] { sectors[sector.code] = .init(open: true, priceCategory: sector.priceCategory) }
        case "away":
            if body.stadiumId != nil {
                errors.append(.init(field: "stadium_id", message: "an away match starts without a seat map; attach one later"))
            }
            let away = body.awaySectors ?? []
            if away.isEmpty { errors.append(.init(field: "away_sectors", message: "an away match needs at least one sector with a capacity")) }
            for (i, sector) in away.enumerated() {
                if sector.code.wholeMatch(of: /[A-Z0-9-]{1,12}/) == nil {
                    errors.append(.init(field: "away_sectors[\(i)].code", message: "must be 1–12 of A–Z, 0–9, -"))
                }
                if !(1...100_000).contains(sector.capacity) {
                    errors.append(.init(field: "away_sectors[\(i)].capacity", message: "must be between 1 and 100000"))
                }
                if sectors[sector.code] != nil { errors.append(.init(field: "away_sectors[\(i)].code", message: "duplicate sector \(sector.code)")) }
                sectors[sector.code] = .init(open: true, priceCategory: sector.priceCategory)
            }
        default:
            errors.append(.init(field: "venue_kind", message: "must be home or away"))
        }
        for (code, sector) in sectors.sorted(by: { $0.key < $1.key }) where body.prices[sector.priceCategory] == nil {
            errors.append(.init(field: "prices", message: "no price for category \(sector.priceCategory) (sector \(code))"))
        }
        guard errors.isEmpty, let kickoff else { throw Problem.validation(errors) }
        let config = MatchConfig(sectors: sectors, prices: body.prices, blocked: [])
        let phases = try Self.json(body.salesPhases ?? [])
        let id = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> Int64 in
            let rows = try await connection.query(
                """
                INSERT INTO matches.matches (competition, opponent, venue_kind, venue, stadium_id, kickoff_at, max_tickets_per_buyer, sales_phases)
                VALUES (\(body.competition), \(body.opponent), \(body.venueKind), \(body.venue), \(body.stadiumId), \(kickoff), \(maximum), \(phases)::jsonb)
                RETURNING id
                """, logger: self.logger)
            var id: Int64 = 0
            for try await value in rows.decode(Int64.self) { id = value }
            try await Audit.write(
                Audit.Entry(
                    domain: .matchStadium, action: "match.created", actor: actor, subjects: ["match:\(id)"],
                    data: [
                        "competition": .string(body.competition), "opponent": .string(body.opponent), "venue_kind": .string(body.venueKind),
                        "kickoff_at": .string(ISO8601DateFormatter().string(from: kickoff)), "state": .string(MatchState.draft.rawValue),
                    ]), on: connection, logger: self.logger)
            try await connection.query(
                """
                INSERT INTO matches.config_versions (match_id, version, config, change, actor, reason)
                VALUES (\(id), 1, \(try Self.json(config))::jsonb, '{}'::jsonb, \(actor.id), 'copied from the stadium template')
                """, logger: self.logger)
            try await self.inventory.materialize(
                connection, matchID: id, template: template, away: body.awaySectors ?? [], prices: body.prices, actor: actor)
            return id
        }
        return try await self.match(id: id)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(json.utf8))
    }

    private static let columns = """
        id, competition, opponent, venue_kind, venue, stadium_id, kickoff_at, state, max_tickets_per_buyer, sales_phases::text, config_version
        """

    private func decodeMatches(_ rows: PostgresRowSequence) async throws -> [Match] {
        var result: [Match] = []
        for try await (id, competition, opponent, kind, venue, stadium, kickoff, state, maximum, phases, version) in rows.decode(
            (Int64, String, String, String, String, Int64?, Date, String, Int, String, Int).self)
        {
            result.append(
                Match(
                    id: id, competition: competition, opponent: opponent, venueKind: kind, venue: venue, stadiumId: stadium,
                    kickoffAt: kickoff, kickoffLocal: Self.localString(kickoff), state: try MatchState.stored(state, column: "matches.state"),
                    maxTicketsPerBuyer: maximum, salesPhases: try Self.decode([SalesPhase].self, json: phases), configVersion: version))
        }
        return result
    }

    func match(id: Int64) async throws -> Match {
        let rows = try await self.postgres.query("SELECT \(unescaped: Self.columns) FROM matches.matches WHERE id = \(id)", logger: self.logger)
        guard let match = try await self.decodeMatches(rows).first else { throw MatchNotFound(id: id) }
        return match
    }

    func list(includeDrafts: Bool) async throws -> [Match] {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.columns) FROM matches.matches WHERE \(includeDrafts) OR state <> 'draft' ORDER BY kickoff_at, id",
            logger: self.logger)
        return try await self.decodeMatches(rows)
    }

    func update(id: Int64, _ body: Update, actor: Actor) async throws -> Match {
        defer { self.saleCache.invalidate(id) }
        var errors: [Problem.FieldError] = []
        var kickoff: Date?
        if let text = body.kickoff {
            kickoff = Self.parseKickoff(text)
            if kickoff == nil { errors.append(.init(field: "kickoff", message: "must be a date-time")) }
        }
        if let maximum = body.maxTicketsPerBuyer, !(1...50).contains(maximum) {
            errors.append(.init(field: "max_tickets_per_buyer", message: "must be between 1 and 50"))
        }
        if let phases = body.salesPhases { errors += SalesPhase.validate(phases) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let phases = try body.salesPhases.map { try Self.json($0) }
        let found = try await self.postgres.withTransaction(logger: self.logger) { connection -> Bool in
            let rows = try await connection.query(
                """
                UPDATE matches.matches SET kickoff_at = coalesce(\(kickoff), kickoff_at),
                    max_tickets_per_buyer = coalesce(\(body.maxTicketsPerBuyer), max_tickets_per_buyer),
                    sales_phases = coalesce(\(phases)::jsonb, sales_phases), updated_at = now()
                WHERE id = \(id) AND state NOT IN ('closed', 'cancelled') RETURNING id
                """, logger: self.logger)
            var found = false
            for try await _ in rows { found = true }
            guard found else { return false }
            var data: [String: JSONValue] = [:]
            if let kickoff { data["kickoff_at"] = .string(ISO8601DateFormatter().string(from: kickoff)) }
            if let maximum = body.maxTicketsPerBuyer { data["max_tickets_per_buyer"] = .number(Double(maximum)) }
            if let phases { data["sales_phases"] = try JSONDecoder().decode(JSONValue.self, from: Data(phases.utf8)) }
            try await Audit.write(
                Audit.Entry(domain: .matchStadium, action: "match.updated", actor: actor, subjects: ["match:\(id)"], data: data),
                on: connection, logger: self.logger)
            return true
        }
        if !found {
            _ = try await self.match(id: id)
            throw Problem(TicketingProblems.matchEnded, detail: "A closed or cancelled match cannot change.")
        }
        return try await self.match(id: id)
    }

    // MARK: State machine

    func transition(id: Int64, to next: MatchState, actor: Actor, reason: String?) async throws -> Match {
        defer { self.saleCache.invalidate(id) }
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let rows = try await connection.query("SELECT state FROM matches.matches WHERE id = \(id) FOR UPDATE", logger: self.logger)
            var current: MatchState?
            for try await state in rows.decode(String.self) { current = try MatchState.stored(state, column: "matches.state") }
            guard let current else { throw MatchNotFound(id: id) }
            guard current.canMove(to: next) else {
                throw Problem(
                    TicketingProblems.invalidTransition, detail: "A match cannot go from \(current.rawValue) to \(next.rawValue).",
                    errors: [.init(field: "state", message: "not allowed from \(current.rawValue)")])
            }
            try await Self.record(connection, id: id, from: current, to: next, actor: actor, reason: reason, logger: self.logger)
        }
        // Going on sale publishes the whole availability (the queue reads seats left from it).
        await self.inventory.projection.push(matchID: id)
        return try await self.match(id: id)
    }

    /// Cancels the match in the caller's transaction (a match cancellation: support's refunds follow
    /// in the same transaction or after it). Returns the state it left; the caller calls `forget`
    /// after the commit.
    func cancel(on connection: PostgresConnection, id: Int64, actor: Actor, reason: String) async throws -> MatchState {
        let rows = try await connection.query("SELECT state FROM matches.matches WHERE id = \(id) FOR UPDATE", logger: self.logger)
        var current: MatchState?
        for try await state in rows.decode(String.self) { current = try MatchState.stored(state, column: "matches.state") }
        guard let current else { throw MatchNotFound(id: id) }
        guard current.canMove(to: .cancelled) else {
            throw Problem(TicketingProblems.invalidTransition, detail: "A match that is \(current.rawValue) cannot be cancelled.")
        }
        try await Self.record(connection, id: id, from: current, to: .cancelled, actor: actor, reason: reason, logger: self.logger)
        return current
    }

    /// Drops this instance's cached sale rules of the match (after a change committed elsewhere).
    func forget(matchID: Int64) { self.saleCache.invalidate(matchID) }

    /// Every state change goes through here, so the history is complete.
    private static func record(
        _ connection: PostgresConnection, id: Int64, from: MatchState, to: MatchState, actor: Actor, reason: String?, logger: Logger
    ) async throws {
        try await connection.query("UPDATE matches.matches SET state = \(to.rawValue), updated_at = now() WHERE id = \(id)", logger: logger)
        var data: [String: JSONValue] = ["from": .string(from.rawValue), "to": .string(to.rawValue)]
        if let reason { data["reason"] = .string(reason) }
        try await Audit.write(
            Audit.Entry(domain: .matchStadium, action: "match.\(to.rawValue)", actor: actor, subjects: ["match:\(id)"], data: data),
            on: connection, logger: logger)
    }

    /// The matches whose availability is public, for the availability refresher.
    func liveMatchIDs() async throws -> [Int64] {
        let rows = try await self.postgres.query(
            "SELECT id FROM matches.matches WHERE state IN ('published', 'on_sale', 'sold_out')", logger: self.logger)
        var ids: [Int64] = []
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        return ids
    }

    /// Whether fans may see the match (its availability and seat maps too): not while it is a draft.
    /// Cached like the sale rules: every availability read asks.
    func isPublic(matchID: Int64) async throws -> Bool {
        do {
            return try await self.saleCache.value(for: matchID) { try await self.match(id: matchID) }.state.isPublic
        } catch is MatchNotFound {
            return false
        }
    }

    /// On sale ⇄ sold out follows the seats: called after inventory changes with the seats left.
    func followSeatsLeft(matchID: Int64, seatsLeft: Int) async {
        await Self.followSeatsLeft(postgres: self.postgres, logger: self.logger, matchID: matchID, seatsLeft: seatsLeft)
    }

    static func followSeatsLeft(postgres: PostgresClient, logger: Logger, matchID: Int64, seatsLeft: Int) async {
        let (from, to): (MatchState, MatchState) = seatsLeft == 0 ? (.onSale, .soldOut) : (.soldOut, .onSale)
        do {
            try await postgres.withRetryingTransaction(logger: logger) { connection in
                let rows = try await connection.query("SELECT state FROM matches.matches WHERE id = \(matchID) FOR UPDATE", logger: logger)
                var state: String?
                for try await value in rows.decode(String.self) { state = value }
                guard state == from.rawValue else { return }
                // Counted again with the match locked: the seats left as of now, not as of the caller's push.
                let left = try await Inventory.sellableSeats(connection, matchID: matchID, logger: logger)
                guard (left == 0) == (seatsLeft == 0) else { return }
                try await Self.record(
                    connection, id: matchID, from: from, to: to, actor: .service("system:inventory"), reason: "\(left) seats left", logger: logger)
            }
        } catch {
            logger.warning("sold-out state not updated", metadata: ["match": "\(matchID)", "error": "\(error)"])
        }
    }

    /// Whether `buyer` may reserve now, and their ticket limit. Refusals say why.
    func saleRules(matchID: Int64, buyer: String, tier: () async throws -> String) async throws -> Int {
        let match = try await self.saleCache.value(for: matchID) { try await self.match(id: matchID) }
        switch match.state {
        case .onSale: break
        case .soldOut: throw Problem(TicketingProblems.soldOut, detail: "This match is sold out.")
        case .draft: throw MatchNotFound(id: matchID)
        default:
            throw Problem(
                TicketingProblems.notOnSale,
                detail: "This match is \(match.state.rawValue.replacingOccurrences(of: "_", with: " ")); tickets are not on sale.")
        }
        if !match.salesPhases.isEmpty {
            let verdict = SalesPhase.current(match.salesPhases, at: Date(), tier: try await tier())
            if !verdict.open { throw Problem(TicketingProblems.salesPhase, detail: verdict.detail) }
        }
        return match.maxTicketsPerBuyer
    }

    // MARK: Configuration versions

    struct Version: Codable, Sendable, Equatable {
        let version: Int
        let config: MatchConfig
        let change: MatchConfig.Change
        let actor: String
        let reason: String?
        let createdAt: Date
    }

    func versions(matchID: Int64) async throws -> [Version] {
        _ = try await self.match(id: matchID)
        let rows = try await self.postgres.query(
            """
            SELECT version, config::text, change::text, actor, reason, created_at FROM matches.config_versions
            WHERE match_id = \(matchID) ORDER BY version
            """, logger: self.logger)
        var result: [Version] = []
        for try await (version, config, change, actor, reason, at) in rows.decode((Int, String, String, String, String?, Date).self) {
            result.append(
                Version(
                    version: version, config: try Self.decode(MatchConfig.self, json: config),
                    change: try Self.decode(MatchConfig.Change.self, json: change),
                    actor: actor, reason: reason, createdAt: at))
        }
        return result
    }

    func diff(matchID: Int64, version: Int) async throws -> [MatchConfig.DiffEntry] {
        let all = try await self.versions(matchID: matchID)
        guard let index = all.firstIndex(where: { $0.version == version }) else { throw Problem.notFound("No version \(version).") }
        let previous = index > 0 ? all[index - 1].config : MatchConfig(sectors: [:], prices: [:], blocked: [])
        return all[index].config.diff(from: previous)
    }

    /// Applies a change as the next version; nothing changes when it is invalid or conflicts.
    func changeConfig(matchID: Int64, change: MatchConfig.Change, actor: Actor) async throws -> Version {
        defer { self.saleCache.invalidate(matchID) }
        let version = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> Int in
            let rows = try await connection.query(
                """
                SELECT m.state, m.config_version, v.config::text FROM matches.matches m
                JOIN matches.config_versions v ON v.match_id = m.id AND v.version = m.config_version
                WHERE m.id = \(matchID) FOR UPDATE OF m
                """, logger: self.logger)
            var found: (String, Int, String)?
            for try await row in rows.decode((String, Int, String).self) { found = row }
            guard let (state, current, json) = found else { throw MatchNotFound(id: matchID) }
            guard state != "closed", state != "cancelled" else {
                throw Problem(TicketingProblems.matchEnded, detail: "A \(state) match cannot change.")
            }
            let old = try Self.decode(MatchConfig.self, json: json)
            let new = try old.applying(change).get()
            try await self.inventory.apply(connection, matchID: matchID, change: change, old: old, new: new, actor: actor)
            try await connection.query(
                """
                INSERT INTO matches.config_versions (match_id, version, config, change, actor, reason)
                VALUES (\(matchID), \(current + 1), \(try Self.json(new))::jsonb, \(try Self.json(change))::jsonb, \(actor.id), \(change.reason))
                """, logger: self.logger)
            try await Audit.write(
                Audit.Entry(
                    domain: .matchStadium, action: "match.configured", actor: actor, subjects: ["match:\(matchID)"],
                    data: [
                        "version": .number(Double(current + 1)),
                        "change": try JSONDecoder().decode(JSONValue.self, from: Data(try Self.json(change).utf8)),
                    ]), on: connection, logger: self.logger)
            try await connection.query(
                "UPDATE matches.matches SET config_version = \(current + 1), updated_at = now() WHERE id = \(matchID)", logger: self.logger)
            return current + 1
        }
        if let left = await self.inventory.projection.push(matchID: matchID) { await self.followSeatsLeft(matchID: matchID, seatsLeft: left) }
        return try await self.versions(matchID: matchID).first { $0.version == version }!
    }

    /// AWAY: attaches a stadium's seat map and seats every unit.
    func attachSeatMap(matchID: Int64, stadiumID: Int64, actor: Actor) async throws -> (Match, Int) {
        defer { self.saleCache.invalidate(matchID) }
        let template: StadiumTemplate
        do { template = try await self.stadiums.template(id: stadiumID) } catch is Stadiums.StadiumNotFound {
            throw Problem.validation(field: "stadium_id", "no stadium \(stadiumID)")
        }
        let assigned = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> Int in
            let rows = try await connection.query(
                "SELECT venue_kind FROM matches.matches WHERE id = \(matchID) FOR UPDATE", logger: self.logger)
            var kind: String?
            for try await value in rows.decode(String.self) { kind = value }
            guard let kind else { throw MatchNotFound(id: matchID) }
            guard kind == "away" else { throw Problem(TicketingProblems.notAway, detail: "Only away matches get a seat map later.") }
            let seated = try await self.inventory.attachSeatMap(connection, matchID: matchID, template: template, actor: actor)
            try await self.seatsAssigned(connection, matchID, seated)
            try await connection.query(
                "UPDATE matches.matches SET stadium_id = \(stadiumID), updated_at = now() WHERE id = \(matchID)", logger: self.logger)
            try await Audit.write(
                Audit.Entry(
                    domain: .matchStadium, action: "match.seat_map_attached", actor: actor, subjects: ["match:\(matchID)", "stadium:\(stadiumID)"],
                    data: ["seated_units": .number(Double(seated.count))]),
                on: connection, logger: self.logger)
            return seated.count
        }
        await self.inventory.projection.push(matchID: matchID)
        return (try await self.match(id: matchID), assigned)
    }
}

/// No match has this id (or, for fans, it is still a draft).
struct MatchNotFound: Error {
    let id: Int64
}

extension Matches {
    /// What a document of a sale calls each match: "Hrvatska – Italija, UEFA Euro 2028 Qualifying, 12.10.2027."
    static func titles(_ connection: PostgresConnection, ids: [Int64], logger: Logger) async throws -> [Int64: String] {
        let rows = try await connection.prepared(
            "SELECT id, competition, opponent, venue_kind, kickoff_at FROM matches.matches WHERE id = ANY(\(ids))", logger: logger)
        let day = DateFormatter()
        day.locale = Locale(identifier: "hr_HR")
        day.timeZone = TimeZone(identifier: "Europe/Zagreb")
        day.dateFormat = "d.M.yyyy."
        var out: [Int64: String] = [:]
        for try await (id, competition, opponent, kind, kickoff) in rows.decode((Int64, String, String, String, Date).self) {
            let teams = kind == "away" ? "\(opponent) – Hrvatska" : "Hrvatska – \(opponent)"
            out[id] = "\(teams), \(competition), \(day.string(from: kickoff))"
        }
        return out
    }
}

extension Matches {
    /// A match's kick-off on the caller's connection (inside its transaction), or nil.
    static func kickoff(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> Date? {
        let rows = try await connection.prepared("SELECT kickoff_at FROM matches.matches WHERE id = \(matchID)", logger: logger)
        for try await at in rows.decode(Date.self) { return at }
        return nil
    }

    /// Kick-offs of matches, and whether each was cancelled, on the caller's connection.
    static func kickoffs(_ connection: PostgresConnection, ids: [Int64], logger: Logger) async throws -> [Int64: (at: Date, cancelled: Bool)] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.prepared(
            "SELECT id, kickoff_at, state = 'cancelled' FROM matches.matches WHERE id = ANY(\(ids))", logger: logger)
        var out: [Int64: (at: Date, cancelled: Bool)] = [:]
        for try await (id, at, cancelled) in rows.decode((Int64, Date, Bool).self) { out[id] = (at, cancelled) }
        return out
    }
}
