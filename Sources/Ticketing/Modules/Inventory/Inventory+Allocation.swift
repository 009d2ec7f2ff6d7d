import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import Logging
import PostgresNIO

/// Seats set aside for a quota (E7): an *allocation* is a set of units that are neither on sale nor
/// held, named by the quota's root id. Quotas decide who may claim them; inventory keeps every seat
/// in exactly one place. Each function works in the caller's transaction and leaves the sectors'
/// counter changes to the caller's closing statement (the counter rows are a sale's hottest locks,
/// taken last).
extension Inventory {
    /// Sets seats aside for `allocationID`: `quantity` per sector with the rules of a sale (rows
    /// together, snake order, the fewest orphan seats), and the named `seats`. The best free seats are
    /// read without a lock and then marked, each only if still free: buyers at this moment keep the
    /// seats they hold (and the seats marked here are skipped by theirs), and a seat a buyer took
    /// meanwhile is made up by the next best. Every sector is read in one statement and marked in
    /// one (a round trip is what a busy server waits for). Returns the seats, the sectors' counter
    /// changes and the audit entry, for the caller's closing statement.
    func allocate(
        on connection: PostgresConnection, matchID: Int64, allocationID: UUID, sectors: [(sector: String, quantity: Int)], seats named: [Int64],
        actor: Actor
    ) async throws -> (seats: [HeldSeat], counts: [CountsChange], entry: Audit.Entry?) {
        guard !sectors.isEmpty || !named.isEmpty else { return ([], [], nil) }
        var seats: [HeldSeat] = []
        if !named.isEmpty { seats += try await self.allocateNamed(on: connection, matchID: matchID, allocationID: allocationID, seats: named) }
        let kinds = try await self.sectorKinds(connection, matchID: matchID, sectors: sectors.map(\.sector))
        for (code, quantity) in sectors {
            guard let (_, committed) = kinds[code] else { throw InventoryError.sectorNotFound(code) }
            // The named seats of this sector are taken already (the counter follows at the commit).
            let available = committed - seats.filter { $0.sector == code }.count
            if available < quantity { throw InventoryError.notEnoughSeats(sector: code, requested: quantity, available: available) }
        }
        var got: [String: Int] = [:]
        var attempt = 0
        while true {
            let short = sectors.filter { got[$0.sector, default: 0] < $0.quantity }.map { ($0.sector, $0.quantity - got[$0.sector, default: 0]) }
            guard !short.isEmpty else { break }
            attempt += 1
            if attempt > 20 { throw InventoryError.contention }
            if attempt > 1 { try await Task.sleep(for: .milliseconds(5 * attempt)) }
            let candidates = try await self.freeWindows(connection, matchID: matchID, sectors: short)
            var pick: [Int64] = []
            for (code, quantity) in short {
                let free = candidates[code] ?? []
                if kinds[code]?.kind == "numbered", let best = SeatSelection.best(quantity: quantity, from: free) {
                    pick += best.map(\.unitID)
                } else if free.count >= quantity {
                    pick += free.prefix(quantity).map(\.unitID)
                } else {
                    // Buyers took seats since the count was read: too few left is a refusal.
                    let available = try await self.availableCount(connection, matchID: matchID, sector: code)
                    if available < quantity { throw InventoryError.notEnoughSeats(sector: code, requested: quantity, available: available) }
                    pick += free.map(\.unitID)
                }
            }
            guard !pick.isEmpty else { continue }
            let rows = try await connection.prepared(
                """
                UPDATE inventory.units SET status = 'allocated', allocation_id = \(allocationID)
                WHERE id = ANY(\(pick.sorted())) AND status = 'available'
                RETURNING id, sector_code, row_label, seat_label
                """, logger: self.logger)
            for try await (id, code, row, seat) in rows.decode((Int64, String, String?, String?).self) {
                seats.append(HeldSeat(unitId: id, sector: code, row: row, seat: seat))
                got[code, default: 0] += 1
            }
        }
        seats.sort { $0.unitId < $1.unitId }
        let entry = Self.entry(
            "seats.allocated", matchID: matchID, hold: nil, sector: nil, units: seats.map(\.unitId), actor: actor, allocation: allocationID)
        let bySector = Dictionary(grouping: seats, by: \.sector).mapValues(\.count)
        return (
            seats,
            bySector.sorted { $0.key < $1.key }.map { CountsChange(matchID: matchID, sector: $0.key, available: -$0.value, allocated: $0.value) },
            entry
        )
    }

    /// The free seats of each sector as committed now (not locked), in snake order: the rows holding
    /// the first `quantity` free seats and a margin (whole rows, as a sale's window), for every sector
    /// in one statement.
    private func freeWindows(_ connection: PostgresConnection, matchID: Int64, sectors: [(String, Int)]) async throws -> [String: [SeatCandidate]] {
        let rows = try await connection.prepared(
            """
            SELECT u.id, w.code, coalesce(u.row_label, ''), u.row_priority, coalesce(u.seat_number, u.snake_order), u.snake_order
            FROM unnest(\(sectors.map(\.0))::text[], \(sectors.map { $0.1 + max(32, $0.1 / 8) })::int[]) AS w(code, win)
            CROSS JOIN LATERAL (
                SELECT id, row_label, row_priority, seat_number, snake_order FROM inventory.units
                WHERE match_id = \(matchID) AND sector_code = w.code AND status = 'available'
                  AND row_priority <= coalesce((
                      SELECT row_priority FROM inventory.units
                      WHERE match_id = \(matchID) AND sector_code = w.code AND status = 'available'
                      ORDER BY snake_order OFFSET w.win LIMIT 1), 2147483647)
                ORDER BY snake_order
            ) u
            """, logger: self.logger)
        var out: [String: [SeatCandidate]] = [:]
        for try await (id, code, row, priority, number, snake) in rows.decode((Int64, String, String, Int, Int, Int).self) {
            out[code, default: []].append(SeatCandidate(unitID: id, row: row, rowPriority: priority, number: number, snakeOrder: snake))
        }
        return out
    }

    /// Named seats set aside: each a free seat of the match, locked in id order.
    private func allocateNamed(on connection: PostgresConnection, matchID: Int64, allocationID: UUID, seats ids: [Int64]) async throws -> [HeldSeat] {
        let sorted = Array(Set(ids)).sorted()
        let rows = try await connection.prepared(
            """
            SELECT id, status FROM inventory.units WHERE match_id = \(matchID) AND id = ANY(\(sorted)) ORDER BY id FOR UPDATE
            """, logger: self.logger)
        var found: [Int64: String] = [:]
        for try await (id, status) in rows.decode((Int64, String).self) { found[id] = status }
        if let missing = sorted.first(where: { found[$0] == nil }) {
            throw Problem.validation(field: "seats", "unit \(missing) is not a seat of this match")
        }
        let taken = sorted.filter { found[$0] != "available" }
        if !taken.isEmpty { throw InventoryError.seatsUnavailable(taken) }
        let updated = try await connection.prepared(
            """
            UPDATE inventory.units SET status = 'allocated', allocation_id = \(allocationID)
            WHERE id = ANY(\(sorted)) AND status = 'available' RETURNING id, sector_code, row_label, seat_label
            """, logger: self.logger)
        var seats: [HeldSeat] = []
        for try await (id, code, row, seat) in updated.decode((Int64, String, String?, String?).self) {
            seats.append(HeldSeat(unitId: id, sector: code, row: row, seat: seat))
        }
        return seats
    }

    /// Gives seats set aside for `allocations` back to general sale: `units` of them that are free,
    /// or (nil) all of them — then seats a claim holds leave their allocation too, so that they go on
    /// sale if that claim ends unpaid. Sold seats keep their allocation (history). Returns the seats
    /// freed by the allocation that had them, and the sectors' counter changes.
    func deallocate(
        on connection: PostgresConnection, matchID: Int64, allocations: [UUID], units: [Int64]?, actor: Actor
    ) async throws -> (freed: [UUID: [Int64]], counts: [CountsChange]) {
        // The allocation each had, read under the rows' locks in the same statement as the change.
        let rows = try await connection.prepared(
            """
            UPDATE inventory.units u SET status = CASE WHEN u.status = 'allocated' THEN 'available' ELSE u.status END, allocation_id = NULL
            FROM (SELECT id, allocation_id FROM inventory.units
                  WHERE allocation_id = ANY(\(allocations)) AND match_id = \(matchID)
                    AND (\(units)::bigint[] IS NULL OR id = ANY(\(units)::bigint[]))
                    AND (status = 'allocated' OR (\(units)::bigint[] IS NULL AND status = 'held'))
                  FOR UPDATE) old
            WHERE u.id = old.id
            RETURNING u.id, u.sector_code, u.status = 'available', old.allocation_id
            """, logger: self.logger)
        var bySector: [String: Int] = [:]
        var freed: [UUID: [Int64]] = [:]
        for try await (id, sector, free, allocation) in rows.decode((Int64, String, Bool, UUID).self) where free {
            bySector[sector, default: 0] += 1
            freed[allocation, default: []].append(id)
        }
        let all = freed.values.flatMap { $0 }.sorted()
        if !all.isEmpty {
            try await Audit.write(
                [Self.entry("seats.deallocated", matchID: matchID, hold: nil, sector: nil, units: all, actor: actor, allocation: allocations.first)],
                on: connection, logger: self.logger)
        }
        return (
            freed,
            bySector.sorted { $0.key < $1.key }.map { CountsChange(matchID: matchID, sector: $0.key, available: $0.value, allocated: -$0.value) }
        )
    }

    /// Hands seats of one allocation to another (a quota's seats to a sub-quota, or back to its
    /// parent): `units` of them, or (nil) every one not sold. Seats a claim holds move too, so that an
    /// unpaid claim's seats come back to the new allocation. Returns the units moved.
    @discardableResult
    func reassign(on connection: PostgresConnection, from: UUID, to: UUID, units: [Int64]?) async throws -> [Int64] {
        let rows = try await connection.prepared(
            """
            UPDATE inventory.units SET allocation_id = \(to)
            WHERE allocation_id = \(from) AND status IN ('allocated', 'held') AND (\(units)::bigint[] IS NULL OR id = ANY(\(units)::bigint[]))
            RETURNING id
            """, logger: self.logger)
        var moved: [Int64] = []
        for try await id in rows.decode(Int64.self) { moved.append(id) }
        return moved.sorted()
    }

    /// The free seats (set aside, not held or sold) of `allocationID`, in one sector or all, in snake
    /// order, at most `limit` per query (nil: all).
    func freeAllocated(
        on connection: PostgresConnection, allocationID: UUID, sector: String? = nil, limit: Int? = nil
    ) async throws -> [(sector: String, seat: SeatCandidate)] {
        let rows = try await connection.prepared(
            """
            SELECT id, sector_code, coalesce(row_label, ''), row_priority, coalesce(seat_number, snake_order), snake_order
            FROM inventory.units
            WHERE allocation_id = \(allocationID) AND status = 'allocated' AND (\(sector)::text IS NULL OR sector_code = \(sector)::text)
            ORDER BY sector_code, snake_order LIMIT \(limit ?? Int(Int32.max))
            """, logger: self.logger)
        var out: [(String, SeatCandidate)] = []
        for try await (id, code, row, priority, number, snake) in rows.decode((Int64, String, String, Int, Int, Int).self) {
            out.append((code, SeatCandidate(unitID: id, row: row, rowPriority: priority, number: number, snakeOrder: snake)))
        }
        return out
    }

    /// Free seats of `allocationID` per sector.
    func freeAllocatedCounts(on connection: PostgresConnection, allocationID: UUID) async throws -> [String: Int] {
        let rows = try await connection.prepared(
            """
            SELECT sector_code, count(*)::int FROM inventory.units WHERE allocation_id = \(allocationID) AND status = 'allocated'
            GROUP BY sector_code
            """, logger: self.logger)
        var out: [String: Int] = [:]
        for try await (code, n) in rows.decode((String, Int).self) { out[code] = n }
        return out
    }

    /// A seat set aside for an allocation, and where it stands: allocated (free), held (a claim
    /// awaits its payment) or sold.
    struct AllocatedSeat: Sendable {
        let unitID: Int64
        /// Nil for a seat that left its allocation while a claim held it.
        let allocation: UUID?
        let sector: String
        let row: String?
        let seat: String?
        let status: String
    }

    /// Every seat set aside for one of `allocations` (seats given back are no longer any's), by sector
    /// and snake order.
    /// With `also`: those units too, wherever they are now (seats a claim took, for its quota's view).
    func allocatedSeats(on connection: PostgresConnection, allocations: [UUID], also: [Int64] = []) async throws -> [AllocatedSeat] {
        let rows = try await connection.prepared(
            """
            SELECT id, allocation_id, sector_code, row_label, seat_label, status FROM inventory.units
            WHERE allocation_id = ANY(\(allocations))
            UNION
            SELECT id, allocation_id, sector_code, row_label, seat_label, status FROM inventory.units WHERE id = ANY(\(also))
            ORDER BY 3, 1
            """, logger: self.logger)
        var out: [AllocatedSeat] = []
        for try await (id, allocation, sector, row, seat, status) in rows.decode((Int64, UUID?, String, String?, String?, String).self) {
            out.append(AllocatedSeat(unitID: id, allocation: allocation, sector: sector, row: row, seat: seat, status: status))
        }
        return out
    }

    /// Holds `units` of the allocation (all free, one sector) for `buyer`, as a sale's hold: an order
    /// is placed for it in the same transaction. Ended without a sale, its seats return to the
    /// allocation they are in then (or on sale, if it ended meanwhile).
    func holdAllocated(
        on connection: PostgresConnection, matchID: Int64, allocationID: UUID, units: [Int64], buyer: Actor
    ) async throws -> (hold: UUID, counts: CountsChange) {
        let sorted = units.sorted()
        let rows = try await connection.prepared(
            """
            SELECT id, sector_code FROM inventory.units
            WHERE id = ANY(\(sorted)) AND match_id = \(matchID) AND allocation_id = \(allocationID) AND status = 'allocated'
            ORDER BY id FOR UPDATE
            """, logger: self.logger)
        var sectors: Set<String> = []
        var found: [Int64] = []
        for try await (id, sector) in rows.decode((Int64, String).self) {
            found.append(id)
            sectors.insert(sector)
        }
        if found.count != sorted.count { throw InventoryError.seatsUnavailable(sorted.filter { !found.contains($0) }) }
        guard sectors.count == 1, let sector = sectors.first else {
            throw Problem.validation(field: "seats", "the seats of one claim must be in one sector")
        }
        let holdID = UUID.random()
        let ttlSeconds = Double(self.holdTTL.components.seconds) + Double(self.holdTTL.components.attoseconds) / 1e18
        var writes = PreparedWrites()
        writes.add(
            """
            INSERT INTO inventory.holds (id, match_id, buyer_id, sector_code, quantity, unit_ids, expires_at, allocation_id)
            VALUES (\(holdID), \(matchID), \(buyer.id), \(sector), \(sorted.count), \(sorted), now() + make_interval(secs => \(ttlSeconds)),
                    \(allocationID))
            """)
        writes.add("UPDATE inventory.units SET status = 'held', hold_id = \(holdID) WHERE id = ANY(\(sorted)) AND status = 'allocated'")
        Audit.add(
            Self.entry("hold.created", matchID: matchID, hold: holdID, sector: sector, units: sorted, actor: buyer, allocation: allocationID),
            to: &writes)
        try await writes.run(on: connection, logger: self.logger)
        return (holdID, CountsChange(matchID: matchID, sector: sector, held: sorted.count, allocated: -sorted.count))
    }

    /// After a claim's hold committed: its expiring Redis key, and the sector's counts pushed.
    func afterAllocatedHold(holdID: UUID, matchID: Int64, sector: String, expiresAt: Date) async {
        let ms = max(1, Int(expiresAt.timeIntervalSinceNow * 1000))
        _ = await self.projection.push(
            matchID: matchID, sectors: [sector], with: [["SET", RESPArg(Self.holdKey(holdID)), RESPArg(String(matchID)), "PX", RESPArg(ms)]])
    }

    /// After an allocation changed (seats set aside or given back): the sectors pushed, and the queue
    /// told how many seats are left.
    func afterAllocation(matchID: Int64, sectors: [String]) async {
        guard !sectors.isEmpty, let left = await self.projection.push(matchID: matchID, sectors: sectors) else { return }
        await self.seatsLeftChanged(matchID, left)
    }

    /// Each sector's kind and seats available as committed; sectors of other matches are absent.
    private func sectorKinds(_ connection: PostgresConnection, matchID: Int64, sectors: [String]) async throws -> [String: (
        kind: String, available: Int
    )] {
        guard !sectors.isEmpty else { return [:] }
        let rows = try await connection.prepared(
            """
            SELECT s.code, s.kind, coalesce(c.available, 0) FROM inventory.sectors s
            LEFT JOIN inventory.sector_counts c ON c.match_id = s.match_id AND c.sector_code = s.code
            WHERE s.match_id = \(matchID) AND s.code = ANY(\(sectors))
            """, logger: self.logger)
        var out: [String: (String, Int)] = [:]
        for try await (code, kind, available) in rows.decode((String, String, Int).self) { out[code] = (kind, available) }
        return out
    }
}
