import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO

/// E3: seat inventory of every match. Reservations lock candidate units with
/// `FOR UPDATE SKIP LOCKED` in snake order (specific seats: by unit id ascending — the one lock
/// order, so two buyers never deadlock), then hold them for `holdTTL`: a row in `inventory.holds`
/// plus an expiring Redis key. Counters change in the same transaction and are pushed to Redis
/// afterwards, guarded by version.
struct Inventory: Sendable {
    let postgres: PostgresClient
    let redis: RedisClient
    let holdTTL: Duration
    let logger: Logger
    /// Told the seats left after a change that may sell a match out or bring it back on sale.
    var seatsLeftChanged: @Sendable (_ matchID: Int64, _ seatsLeft: Int) async -> Void = { _, _ in }
    /// Told after a hold ended without a sale (its order, if any, ends with it).
    var holdEnded: @Sendable (_ holdID: UUID, _ reason: EndReason) async -> Void = { _, _ in }
    var projection: AvailabilityProjection { AvailabilityProjection(postgres: self.postgres, redis: self.redis, logger: self.logger) }

    static func holdKey(_ id: UUID) -> String { "hns:hold:\(id.uuidString.lowercased())" }

    enum Request: Sendable {
        case bestAvailable(sector: String, quantity: Int)
        case seats([Int64])
    }

    struct HeldSeat: Codable, Sendable, Equatable {
        let unitId: Int64
        let sector: String
        let row: String?
        let seat: String?
    }

    struct Hold: Codable, Sendable, Equatable {
        let id: UUID
        let matchId: Int64
        let buyerId: String
        let sector: String
        let state: String
        let expiresAt: Date
        let seats: [HeldSeat]

        /// The body of the 201 that created it, written by hand (every purchase starts here): the bytes
        /// `TicketingJSON.encoder()` writes for it (tested side by side).
        func answer() -> [UInt8] {
            var w = JSONWriter(capacity: 256)
            w.beginObject()
            w.field("buyer_id", self.buyerId)
            w.field("expires_at", self.expiresAt)
            w.field("id", self.id)
            w.field("match_id", self.matchId)
            w.field("seats", objects: self.seats) { w, seat in
                w.field("row", seat.row)
                w.field("seat", seat.seat)
                w.field("sector", seat.sector)
                w.field("unit_id", seat.unitId)
            }
            w.field("sector", self.sector)
            w.field("state", self.state)
            w.endObject()
            return w.bytes
        }
    }

    // MARK: Reserve

    /// Holds seats for `buyer`, at most `limit` per buyer and match counting what they hold and bought.
    /// Holds the seats; the answer (`Hold.answer()`) is recorded for `key` in the same transaction.
    /// `ttl`: how long this hold lasts, when not `holdTTL` (a Petrol till's).
    func reserve(matchID: Int64, buyer: Actor, request: Request, limit: Int, key: Idempotency.Key? = nil, ttl: Duration? = nil) async throws -> Hold {
        let backoff = Backoff(base: .milliseconds(5), maximum: .milliseconds(100))
        var attempt = 1
        while true {
            do {
                let (hold, sector) = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
                    try await self.reserve(
                        on: connection, matchID: matchID, buyer: buyer, request: request, limit: limit, key: key, ttl: ttl ?? self.holdTTL)
                }
                await self.afterCommit(hold: hold, sector: sector)
                return hold
            } catch InventoryError.contention where attempt < 3 {
                try await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Returns the hold and its sector's counts as this transaction left them, for the Redis copy.
    private func reserve(
        on connection: PostgresConnection, matchID: Int64, buyer actor: Actor, request: Request, limit: Int, key: Idempotency.Key?, ttl: Duration
    ) async throws -> (Hold, (AvailabilityProjection.SectorAvailability, version: Int64)) {
        let buyer = actor.id
        let quantity: Int
        switch request {
        case .bestAvailable(_, let n): quantity = n
        case .seats(let ids): quantity = ids.count
        }
        // The buyer's row first: it serialises one buyer's requests and enforces the limit. For the best
        // seats of a sector, the sector (price, seats available as last committed) is read in the same
        // statement, and an empty one is refused before any seat is locked (a sell-out's last minutes
        // are full of such requests; the counter's change is rolled back with the refusal).
        var bestSector: AvailabilityProjection.SectorAvailability?
        let total: Int
        if case .bestAvailable(let code, let wanted) = request {
            let (read, buyerTotal) = try await self.sellableSector(connection, matchID: matchID, sector: code, counting: (buyer, quantity))
            total = buyerTotal ?? 0
            if read.available < wanted { throw InventoryError.notEnoughSeats(sector: code, requested: wanted, available: read.available) }
            bestSector = read
        } else {
            var q = PreparedSQL.StringInterpolation(literalCapacity: 256, interpolationCount: 3)
            Self.appendBuyerCount(&q, matchID: matchID, buyer: buyer, quantity: quantity)
            let countRows = try await connection.prepared(PreparedSQL(stringInterpolation: q), logger: self.logger)
            var value = 0
            for try await v in countRows.decode(Int.self) { value = v }
            total = value
        }
        if total > limit { throw InventoryError.buyerLimit(limit: limit, already: total - quantity, requested: quantity) }

        let sector: AvailabilityProjection.SectorAvailability
        let unitIDs: [Int64]
        switch request {
        case .bestAvailable(let code, let quantity):
            sector = bestSector!
            let kind = sector.kind
            // A window of the best free units in whole rows (a row cut short would look like it ends
            // there and fool the orphan check): every row up to the one holding the window's last
            // seat. Rows locked by concurrent buyers are skipped, not waited for.
            let window = max(32, quantity * 16)
            let query: PreparedSQL
            if kind == "numbered" {
                query = """
                    SELECT id, coalesce(row_label, ''), row_priority, coalesce(seat_number, snake_order), snake_order
                    FROM inventory.units
                    WHERE match_id = \(matchID) AND sector_code = \(code) AND status = 'available'
                      AND row_priority <= coalesce((
                          SELECT row_priority FROM inventory.units
                          WHERE match_id = \(matchID) AND sector_code = \(code) AND status = 'available'
                          ORDER BY snake_order OFFSET \(window) LIMIT 1), 2147483647)
                    ORDER BY snake_order
                    FOR UPDATE SKIP LOCKED
                    """
            } else {
                query = """
                    SELECT id, '', row_priority, snake_order, snake_order FROM inventory.units
                    WHERE match_id = \(matchID) AND sector_code = \(code) AND status = 'available'
                    ORDER BY snake_order LIMIT \(quantity)
                    FOR UPDATE SKIP LOCKED
                    """
            }
            var candidates = try await Self.candidates(connection, query, logger: self.logger)
            var pick =
                kind == "numbered"
                ? SeatSelection.best(quantity: quantity, from: candidates)
                : (candidates.count >= quantity ? Array(candidates.prefix(quantity)) : nil)
            if pick == nil, kind == "numbered" {
                // The best rows are locked by concurrent buyers: rather than wait and retry, take the
                // next free units in snake order past them (the window may end mid-row here; under
                // this contention the next seats beat a 503).
                candidates = try await Self.candidates(
                    connection,
                    """
                    SELECT id, coalesce(row_label, ''), row_priority, coalesce(seat_number, snake_order), snake_order
                    FROM inventory.units
                    WHERE match_id = \(matchID) AND sector_code = \(code) AND status = 'available'
                    ORDER BY snake_order LIMIT \(window)
                    FOR UPDATE SKIP LOCKED
                    """, logger: self.logger)
                pick = SeatSelection.best(quantity: quantity, from: candidates)
            }
            guard let pick else {
                let available = try await self.availableCount(connection, matchID: matchID, sector: code)
                if available >= quantity { throw InventoryError.contention }
                throw InventoryError.notEnoughSeats(sector: code, requested: quantity, available: available)
            }
            unitIDs = pick.map(\.unitID).sorted()
        case .seats(let ids):
            let sorted = Array(Set(ids)).sorted()
            let rows = try await connection.prepared(
                """
                SELECT id, sector_code, status FROM inventory.units
                WHERE match_id = \(matchID) AND id = ANY(\(sorted))
                ORDER BY id FOR UPDATE
                """, logger: self.logger)
            var found: [(Int64, String, String)] = []
            for try await row in rows.decode((Int64, String, String).self) { found.append(row) }
            let foundIDs = Set(found.map(\.0))
            if let missing = sorted.first(where: { !foundIDs.contains($0) }) {
                throw Problem.validation(field: "seats", "unit \(missing) is not a seat of this match")
            }
            let codes = Set(found.map(\.1))
            guard codes.count == 1, let code = codes.first else {
                throw Problem.validation(field: "seats", "the chosen seats must be in one sector")
            }
            sector = try await self.sellableSector(connection, matchID: matchID, sector: code)
            let taken = found.filter { $0.2 != "available" }.map(\.0)
            if !taken.isEmpty { throw InventoryError.seatsUnavailable(taken) }
            unitIDs = sorted
        }
        let sectorCode = sector.code

        let holdID = UUID.random()
        let ttlSeconds = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        // The hold (with the units it takes, the record a late payment re-takes them from), its units
        // and the audit entry in one statement (the units' foreign key to the hold is checked at its
        // end, when the hold row is there). Fewer units than asked: a concurrent buyer took one since
        // the candidates were locked, and the transaction is rolled back.
        var writes = PreparedWrites()
        let hold = writes.add(
            """
            INSERT INTO inventory.holds (id, match_id, buyer_id, sector_code, quantity, unit_ids, expires_at)
            VALUES (\(holdID), \(matchID), \(buyer), \(sectorCode), \(unitIDs.count), \(unitIDs), now() + make_interval(secs => \(ttlSeconds)))
            RETURNING expires_at
            """)
        let units = writes.add(
            """
            UPDATE inventory.units SET status = 'held', hold_id = \(holdID)
            WHERE id = ANY(\(unitIDs)) AND status = 'available'
            RETURNING id, sector_code, row_label, seat_label
            """)
        Audit.add(Self.entry("hold.created", matchID: matchID, hold: holdID, sector: sectorCode, units: unitIDs, actor: actor), to: &writes)
        let held = try await writes.run(
            on: connection,
            select: "SELECT \(hold).expires_at, \(units).id, \(units).sector_code, \(units).row_label, \(units).seat_label FROM \(hold), \(units)",
            logger: self.logger)
        var expires = Date()
        var seats: [HeldSeat] = []
        for row in held {
            let (at, id, sector, rowLabel, seat) = try row.decode((Date, Int64, String, String?, String?).self)
            expires = at
            seats.append(HeldSeat(unitId: id, sector: sector, row: rowLabel, seat: seat))
        }
        guard seats.count == unitIDs.count else { throw InventoryError.contention }
        seats.sort { $0.unitId < $1.unitId }
        let answer = Hold(id: holdID, matchId: matchID, buyerId: buyer, sector: sectorCode, state: "active", expiresAt: expires, seats: seats)
        // The sector's counter row last: it is the hottest lock, held only until the commit. The
        // request's answer is stored with it.
        let counts = try await self.bumpCounts(connection, matchID: matchID, sector: sectorCode, available: -unitIDs.count, held: unitIDs.count) {
            key?.record(.created, answer.answer(), to: &$0)
        }
        return (answer, (sector.with(counts), counts.version))
    }

    static func candidates(_ connection: PostgresConnection, _ query: PreparedSQL, logger: Logger) async throws -> [SeatCandidate] {
        let rows = try await connection.prepared(query, logger: logger)
        var candidates: [SeatCandidate] = []
        for try await (id, row, priority, number, snake) in rows.decode((Int64, String, Int, Int, Int).self) {
            candidates.append(SeatCandidate(unitID: id, row: row, rowPriority: priority, number: number, snakeOrder: snake))
        }
        return candidates
    }

    /// After the commit: the expiring Redis key and the availability copy. A failure here loses
    /// nothing — the sweeper ends the hold by its database expiry, the refresher repairs the copy.
    private func afterCommit(hold: Hold, sector: (AvailabilityProjection.SectorAvailability, version: Int64)) async {
        let ms = max(1, Int(hold.expiresAt.timeIntervalSinceNow * 1000))
        let setKey: [RESPArg] = ["SET", RESPArg(Self.holdKey(hold.id)), RESPArg(String(hold.matchId)), "PX", RESPArg(ms)]
        if let left = await self.projection.push(matchID: hold.matchId, entries: [sector], with: [setKey]), left == 0 {
            await self.seatsLeftChanged(hold.matchId, left)
        }
    }

    /// The sector as it is sold now, for a sale that holds its seats later (a Petrol PIN's price).
    func sectorForSale(_ connection: PostgresConnection, matchID: Int64, sector: String) async throws -> AvailabilityProjection.SectorAvailability {
        try await self.sellableSector(connection, matchID: matchID, sector: sector)
    }

    /// The sector as it is sold now (price from the match's current configuration, seats available
    /// as last committed); refuses an unknown or closed sector. Read inside the reservation so that none is needed after it.
    private func sellableSector(
        _ connection: PostgresConnection, matchID: Int64, sector: String
    ) async throws -> AvailabilityProjection.SectorAvailability {
        try await self.sellableSector(connection, matchID: matchID, sector: sector, counting: nil).sector
    }

    /// The same, with the buyer's counter raised by `counting.quantity` in the same statement: then
    /// also the buyer's units held and bought, this request's included.
    private func sellableSector(
        _ connection: PostgresConnection, matchID: Int64, sector: String, counting: (buyer: String, quantity: Int)?
    ) async throws -> (sector: AvailabilityProjection.SectorAvailability, buyerTotal: Int?) {
        var q = PreparedSQL.StringInterpolation(literalCapacity: 768, interpolationCount: 6)
        if let counting {
            q.appendLiteral("WITH buyer AS (")
            Self.appendBuyerCount(&q, matchID: matchID, buyer: counting.buyer, quantity: counting.quantity)
            q.appendLiteral(") ")
        }
        q.appendLiteral(
            """
            SELECT s.name, s.stand, s.gate, s.kind, s.open, s.price_category, s.price_cents, coalesce(c.available, 0),
            """)
        q.appendLiteral(counting == nil ? " NULL::int" : " (SELECT total FROM buyer)")
        q.appendLiteral(
            """
             FROM inventory.sectors s
            LEFT JOIN inventory.sector_counts c ON c.match_id = s.match_id AND c.sector_code = s.code
            WHERE s.match_id =
            """)
        q.appendInterpolation(matchID)
        q.appendLiteral(" AND s.code = ")
        q.appendInterpolation(sector)
        let rows = try await connection.prepared(PreparedSQL(stringInterpolation: q), logger: self.logger)
        for try await (name, stand, gate, kind, open, category, price, available, total) in rows.decode(
            (String, String, String, String, Bool, String, Int?, Int, Int?).self)
        {
            guard open else { throw InventoryError.sectorClosed(sector) }
            return (
                AvailabilityProjection.SectorAvailability(
                    code: sector, name: name, stand: stand, gate: gate, kind: kind, open: open, priceCategory: category,
                    priceCents: price, available: available, held: 0, sold: 0, blocked: 0), total
            )
        }
        throw InventoryError.sectorNotFound(sector)
    }

    /// Raises the buyer's counter of units held for the match (created at the first hold); its one
    /// row is what they now hold and bought, as `total`.
    private static func appendBuyerCount(_ q: inout PreparedSQL.StringInterpolation, matchID: Int64, buyer: String, quantity: Int) {
        q.appendLiteral("INSERT INTO inventory.buyer_counts AS b (match_id, buyer_id, held) VALUES (")
        q.appendInterpolation(matchID)
        q.appendLiteral(", ")
        q.appendInterpolation(buyer)
        q.appendLiteral(", ")
        q.appendInterpolation(quantity)
        q.appendLiteral(") ON CONFLICT (match_id, buyer_id) DO UPDATE SET held = b.held + EXCLUDED.held RETURNING b.held + b.sold AS total")
    }

    func availableCount(_ connection: PostgresConnection, matchID: Int64, sector: String) async throws -> Int {
        let rows = try await connection.prepared(
            "SELECT available FROM inventory.sector_counts WHERE match_id = \(matchID) AND sector_code = \(sector)", logger: self.logger)
        for try await n in rows.decode(Int.self) { return n }
        return 0
    }

    /// Each sector's gate and price category: what access control prints beside a code.
    static func gates(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> [String: (
        gate: String, priceCategory: String
    )] {
        let rows = try await connection.query(
            "SELECT code, gate, price_category FROM inventory.sectors WHERE match_id = \(matchID)", logger: logger)
        var out: [String: (gate: String, priceCategory: String)] = [:]
        for try await (code, gate, category) in rows.decode((String, String, String).self) { out[code] = (gate, category) }
        return out
    }

    /// Seats that can still be bought at the match (open sectors only), as `connection` sees them.
    static func sellableSeats(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT coalesce(sum(c.available), 0)::int FROM inventory.sector_counts c
            JOIN inventory.sectors s ON s.match_id = c.match_id AND s.code = c.sector_code
            WHERE c.match_id = \(matchID) AND s.open
            """, logger: logger)
        for try await n in rows.decode(Int.self) { return n }
        return 0
    }

    /// A sector's counter row as a transaction left it.
    struct Counts: Sendable {
        let available: Int
        let held: Int
        let sold: Int
        let blocked: Int
        let version: Int64
    }

    @discardableResult
    func bumpCounts(
        _ connection: PostgresConnection, matchID: Int64, sector: String, available: Int = 0, held: Int = 0, sold: Int = 0, blocked: Int = 0,
        allocated: Int = 0, with more: (inout PreparedWrites) throws -> Void = { _ in }
    ) async throws -> Counts {
        var writes = PreparedWrites()
        let counter = Self.addCounts(
            matchID: matchID, sector: sector, available: available, held: held, sold: sold, blocked: blocked, allocated: allocated, to: &writes)
        try more(&writes)
        let rows = try await writes.run(on: connection, select: "SELECT available, held, sold, blocked, version FROM \(counter)", logger: self.logger)
        guard let (a, h, s, b, v) = try rows.first?.decode((Int, Int, Int, Int, Int64).self) else { throw InventoryError.sectorNotFound(sector) }
        return Counts(available: a, held: h, sold: s, blocked: b, version: v)
    }

    /// The sector's counter change as a part of a combined statement; its rows are the new counts.
    static func addCounts(
        matchID: Int64, sector: String, available: Int = 0, held: Int = 0, sold: Int = 0, blocked: Int = 0, allocated: Int = 0,
        to writes: inout PreparedWrites
    ) -> String {
        writes.add(
            """
            UPDATE inventory.sector_counts SET available = available + \(available), held = held + \(held), sold = sold + \(sold),
                   blocked = blocked + \(blocked), allocated = allocated + \(allocated), version = version + 1
            WHERE match_id = \(matchID) AND sector_code = \(sector) RETURNING available, held, sold, blocked, version
            """)
    }

    // MARK: Release

    enum EndReason: String, Sendable {
        /// The buyer cancelled.
        case released
        /// Its time ran out (Redis key expiry or the sweeper).
        case expired
    }

    /// Ends an active hold and frees its seats. `buyer` restricts it to the holder (nil: the system).
    /// Returns false when the hold was not active (already ended, or for expiry: not yet due).
    @discardableResult
    /// `unlessPaying`: a system release that must not take seats whose payment is under way (a
    /// queue window that closed) leaves such a hold alone, decided under the hold's lock.
    func release(holdID: UUID, buyer: String?, reason: EndReason, actor: Actor, unlessPaying: Bool = false) async throws -> Bool {
        let ended: (matchID: Int64, sector: String, count: Int)? = try await self.postgres.withRetryingTransaction(logger: self.logger) {
            connection in
            let rows = try await connection.prepared(
                """
                SELECT match_id, buyer_id, sector_code, state, expires_at <= now() + interval '2 seconds', payment_started_at IS NOT NULL,
                       allocation_id IS NOT NULL
                FROM inventory.holds WHERE id = \(holdID) FOR UPDATE
                """, logger: self.logger)
            var hold: (Int64, String, String, String, Bool, Bool, Bool)?
            for try await row in rows.decode((Int64, String, String, String, Bool, Bool, Bool).self) { hold = row }
            guard let (matchID, holder, sector, state, due, paying, fromAllocation) = hold else { throw InventoryError.holdNotFound }
            if let buyer, buyer != holder { throw InventoryError.holdNotFound }
            // Once a payment is under way only its outcome (or the end of its grace period) ends the hold.
            if buyer != nil, paying, state == "active" { throw InventoryError.paymentUnderWay }
            if unlessPaying, paying { return nil }
            guard state == "active" else {
                if buyer != nil { throw InventoryError.holdNotActive(state: state) }
                return nil
            }
            if reason == .expired, !due { return nil }
            // Seats of an allocation go back to it (a quota's claim that was not paid); the others,
            // and those whose allocation ended meanwhile, back on sale.
            let freed = try await connection.prepared(
                """
                UPDATE inventory.units SET status = CASE WHEN allocation_id IS NULL THEN 'available' ELSE 'allocated' END, hold_id = NULL
                WHERE hold_id = \(holdID) AND status = 'held' RETURNING id, allocation_id IS NOT NULL
                """, logger: self.logger)
            var ids: [Int64] = []
            var allocated = 0
            for try await (id, back) in freed.decode((Int64, Bool).self) {
                ids.append(id)
                if back { allocated += 1 }
            }
            try await connection.prepared(
                """
                UPDATE inventory.holds SET state = \(reason.rawValue), ended_at = now(), end_reason = \(reason.rawValue)
                WHERE id = \(holdID)
                """, logger: self.logger)
            // A quota's claims do not count against the owner's own purchase limit.
            if !fromAllocation {
                try await connection.prepared(
                    """
                    UPDATE inventory.buyer_counts SET held = held - \(ids.count) WHERE match_id = \(matchID) AND buyer_id = \(holder)
                    """, logger: self.logger)
            }
            try await self.bumpCounts(
                connection, matchID: matchID, sector: sector, available: ids.count - allocated, held: -ids.count, allocated: allocated
            ) {
                Audit.add(
                    Self.entry("hold.\(reason.rawValue)", matchID: matchID, hold: holdID, sector: sector, units: ids.sorted(), actor: actor), to: &$0)
            }
            return (matchID, sector, ids.count)
        }
        guard let ended else { return false }
        _ = try? await self.redis.del(Self.holdKey(holdID))
        await self.holdEnded(holdID, reason)
        // Only a match that may have been sold out before this release can come back on sale.
        if let left = await self.projection.push(matchID: ended.matchID, sectors: [ended.sector]), left <= ended.count {
            await self.seatsLeftChanged(ended.matchID, left)
        }
        return true
    }

    /// One round of the sweeper: ends holds whose database expiry has passed, whatever Redis did with their keys.
    func sweepExpiredHolds() async throws {
        let ended = try await self.expireDueHolds()
        if ended > 0 { self.logger.info("sweeper ended expired holds", metadata: ["count": "\(ended)"]) }
    }

    /// Ends every hold whose time is up; returns how many. Used by the sweeper.
    func expireDueHolds(limit: Int = 500) async throws -> Int {
        let rows = try await self.postgres.prepared(
            """
            SELECT id FROM inventory.holds WHERE state = 'active' AND expires_at <= now()
            ORDER BY expires_at LIMIT \(limit)
            """, logger: self.logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        var ended = 0
        for id in ids where try await self.release(holdID: id, buyer: nil, reason: .expired, actor: .service("system:sweeper")) { ended += 1 }
        return ended
    }

    /// The audit entry of a change to a hold's seats (E3).
    static func entry(
        _ action: String, matchID: Int64, hold: UUID?, sector: String?, units: [Int64], actor: Actor, allocation: UUID? = nil
    ) -> Audit.Entry {
        var data: [String: JSONValue] = ["unit_ids": .array(units.map { .number(Double($0)) })]
        if let sector { data["sector"] = .string(sector) }
        return Audit.Entry(
            domain: .seatInventory, action: action, actor: actor,
            subjects: (hold.map { ["hold:\($0.lowercased)"] } ?? []) + (allocation.map { ["quota:\($0.lowercased)"] } ?? []) + ["match:\(matchID)"],
            data: data)
    }

    /// Of these holds, those that ended without a sale, and how.
    func endedWithoutSale(holds ids: [UUID]) async throws -> [(UUID, EndReason)] {
        guard !ids.isEmpty else { return [] }
        let rows = try await self.postgres.query(
            "SELECT id, state FROM inventory.holds WHERE id = ANY(\(ids)) AND state IN ('released', 'expired')", logger: self.logger)
        var ended: [(UUID, EndReason)] = []
        for try await (id, state) in rows.decode((UUID, String).self) { ended.append((id, state == "expired" ? .expired : .released)) }
        return ended
    }

    // MARK: Reads

    func hold(id: UUID, buyer: String) async throws -> Hold {
        let rows = try await self.postgres.prepared(
            """
            SELECT h.match_id, h.buyer_id, h.sector_code, h.state, h.expires_at, u.id, u.sector_code, u.row_label, u.seat_label
            FROM inventory.holds h LEFT JOIN inventory.units u ON u.hold_id = h.id
            WHERE h.id = \(id) ORDER BY u.id
            """, logger: self.logger)
        var hold: Hold?
        var seats: [HeldSeat] = []
        for try await (matchID, holder, sector, state, expires, unit, unitSector, row, seat) in rows.decode(
            (Int64, String, String, String, Date, Int64?, String?, String?, String?).self)
        {
            guard holder == buyer else { throw InventoryError.holdNotFound }
            hold = Hold(id: id, matchId: matchID, buyerId: holder, sector: sector, state: state, expiresAt: expires, seats: [])
            if let unit, let unitSector { seats.append(HeldSeat(unitId: unit, sector: unitSector, row: row, seat: seat)) }
        }
        guard let hold else { throw InventoryError.holdNotFound }
        return Hold(
            id: hold.id, matchId: hold.matchId, buyerId: hold.buyerId, sector: hold.sector, state: hold.state, expiresAt: hold.expiresAt, seats: seats
        )
    }

    struct SeatStatus: Codable, Sendable, Equatable {
        let unitId: Int64
        let row: String?
        let seat: String?
        let number: Int?
        let x: Double?
        let y: Double?
        let status: String
        let accessible: Bool
        let restrictedView: Bool
    }

    struct SectorMap: Codable, Sendable {
        let sector: String
        let kind: String
        let open: Bool
        let seats: [SeatStatus]
    }

    /// The seat map of one sector with each unit's status, in snake order.
    func sectorMap(matchID: Int64, sector: String) async throws -> SectorMap {
        let head = try await self.postgres.prepared(
            "SELECT kind, open FROM inventory.sectors WHERE match_id = \(matchID) AND code = \(sector)", logger: self.logger)
        var meta: (String, Bool)?
        for try await row in head.decode((String, Bool).self) { meta = row }
        guard let (kind, open) = meta else { throw InventoryError.sectorNotFound(sector) }
        let rows = try await self.postgres.prepared(
            """
            SELECT id, row_label, seat_label, seat_number, x, y, status, accessible, restricted_view
            FROM inventory.units WHERE match_id = \(matchID) AND sector_code = \(sector) ORDER BY snake_order
            """, logger: self.logger)
        var seats: [SeatStatus] = []
        for try await (id, row, seat, number, x, y, status, accessible, restricted) in rows.decode(
            (Int64, String?, String?, Int?, Double?, Double?, String, Bool, Bool).self)
        {
            seats.append(
                SeatStatus(
                    unitId: id, row: row, seat: seat, number: number, x: x, y: y, status: status, accessible: accessible, restrictedView: restricted))
        }
        return SectorMap(sector: sector, kind: kind, open: open, seats: seats)
    }
}
