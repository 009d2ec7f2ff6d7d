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
    enum AllocationRequest: Sendable {
        case bestAvailable(sector: String, quantity: Int)
        case seats([Int64])
    }

    /// Sets seats aside for `allocationID` with the rules of a sale (rows together, snake order, the
    /// fewest orphan seats), locking only the free units it considers (`SKIP LOCKED`: buyers holding
    /// seats at this moment keep them, and buyers after it skip these).
    func allocate(
        on connection: PostgresConnection, matchID: Int64, allocationID: UUID, request: AllocationRequest, actor: Actor
    ) async throws -> (seats: [HeldSeat], counts: [CountsChange]) {
        let unitIDs: [Int64]
        switch request {
        case .bestAvailable(let code, let quantity):
            let (kind, available) = try await self.sectorKind(connection, matchID: matchID, sector: code)
            if available < quantity { throw InventoryError.notEnoughSeats(sector: code, requested: quantity, available: available) }
            // The rows holding the first free seats plus a margin (whole rows, as a sale's window), so
            // that the pick can keep groups together and avoid orphans.
            let window = quantity + max(32, quantity / 8)
            var candidates = try await Self.candidates(
                connection,
                kind == "numbered"
                    ? """
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
                    : """
                    SELECT id, '', row_priority, snake_order, snake_order FROM inventory.units
                    WHERE match_id = \(matchID) AND sector_code = \(code) AND status = 'available'
                    ORDER BY snake_order LIMIT \(quantity)
                    FOR UPDATE SKIP LOCKED
                    """, logger: self.logger)
            var pick = kind == "numbered" ? SeatSelection.best(quantity: quantity, from: candidates) : Array(candidates.prefix(quantity))
            // Buyers hold some of those rows right now: every free seat not locked, again while their
            // transactions (a few milliseconds each) hold seats this one needs. The locks taken so far
            // are kept; a sale's buyers skip them.
            var attempt = 0
            while pick == nil || pick!.count < quantity {
                let available = try await self.availableCount(connection, matchID: matchID, sector: code)
                if available < quantity { throw InventoryError.notEnoughSeats(sector: code, requested: quantity, available: available) }
                attempt += 1
                if attempt > 40 { throw InventoryError.contention }
                if attempt > 1 { try await Task.sleep(for: .milliseconds(5 * min(attempt, 10))) }
                candidates = try await Self.candidates(
                    connection,
                    """
                    SELECT id, coalesce(row_label, ''), row_priority, coalesce(seat_number, snake_order), snake_order
                    FROM inventory.units
                    WHERE match_id = \(matchID) AND sector_code = \(code) AND status = 'available'
                    ORDER BY snake_order
                    FOR UPDATE SKIP LOCKED
                    """, logger: self.logger)
                pick = SeatSelection.best(quantity: quantity, from: candidates)
            }
            unitIDs = pick!.map(\.unitID).sorted()
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
            let taken = found.filter { $0.2 != "available" }.map(\.0)
            if !taken.isEmpty { throw InventoryError.seatsUnavailable(taken) }
            unitIDs = sorted
        }
        var writes = PreparedWrites()
        let units = writes.add(
            """
            UPDATE inventory.units SET status = 'allocated', allocation_id = \(allocationID)
            WHERE id = ANY(\(unitIDs)) AND status = 'available'
            RETURNING id, sector_code, row_label, seat_label
            """)
        Audit.add(
            Self.entry("seats.allocated", matchID: matchID, hold: nil, sector: nil, units: unitIDs, actor: actor, allocation: allocationID),
            to: &writes)
        let rows = try await writes.run(on: connection, select: "SELECT id, sector_code, row_label, seat_label FROM \(units)", logger: self.logger)
        var seats: [HeldSeat] = []
        var bySector: [String: Int] = [:]
        for row in rows {
            let (id, code, rowLabel, seat) = try row.decode((Int64, String, String?, String?).self)
            seats.append(HeldSeat(unitId: id, sector: code, row: rowLabel, seat: seat))
            bySector[code, default: 0] += 1
        }
        guard seats.count == unitIDs.count else { throw InventoryError.contention }
        seats.sort { $0.unitId < $1.unitId }
        return (
            seats,
            bySector.sorted { $0.key < $1.key }.map { CountsChange(matchID: matchID, sector: $0.key, available: -$0.value, allocated: $0.value) }
        )
    }

    /// Gives seats set aside for `allocationID` back to general sale: `units` of them that are free,
    /// or (nil) all of them — then seats a claim holds leave the allocation too, so that they go on
    /// sale if that claim ends unpaid. Sold seats keep their allocation (history).
    func deallocate(
        on connection: PostgresConnection, matchID: Int64, allocationID: UUID, units: [Int64]?, actor: Actor
    ) async throws -> (units: [Int64], counts: [CountsChange]) {
        let rows = try await connection.prepared(
            """
            UPDATE inventory.units SET status = CASE WHEN status = 'allocated' THEN 'available' ELSE status END, allocation_id = NULL
            WHERE allocation_id = \(allocationID) AND match_id = \(matchID)
              AND (\(units)::bigint[] IS NULL OR id = ANY(\(units)::bigint[]))
              AND (status = 'allocated' OR (\(units)::bigint[] IS NULL AND status = 'held'))
            RETURNING id, sector_code, status = 'available'
            """, logger: self.logger)
        var freed: [String: [Int64]] = [:]
        for try await (id, sector, free) in rows.decode((Int64, String, Bool).self) where free { freed[sector, default: []].append(id) }
        var writes = PreparedWrites()
        for (sector, ids) in freed.sorted(by: { $0.key < $1.key }) {
            Audit.add(
                Self.entry(
                    "seats.deallocated", matchID: matchID, hold: nil, sector: sector, units: ids.sorted(), actor: actor, allocation: allocationID),
                to: &writes)
        }
        if writes.count > 0 { try await writes.run(on: connection, logger: self.logger) }
        return (
            freed.values.flatMap { $0 }.sorted(),
            freed.sorted { $0.key < $1.key }.map {
                CountsChange(matchID: matchID, sector: $0.key, available: $0.value.count, allocated: -$0.value.count)
            }
        )
    }

    /// Of `units`, those still set aside for `allocationID` and free (not held or sold), as candidates
    /// for a seat pick, with their sectors.
    func freeAllocated(on connection: PostgresConnection, allocationID: UUID, among units: [Int64]) async throws -> [(
        sector: String, seat: SeatCandidate
    )] {
        guard !units.isEmpty else { return [] }
        let rows = try await connection.prepared(
            """
            SELECT id, sector_code, coalesce(row_label, ''), row_priority, coalesce(seat_number, snake_order), snake_order
            FROM inventory.units WHERE id = ANY(\(units)) AND allocation_id = \(allocationID) AND status = 'allocated'
            """, logger: self.logger)
        var out: [(String, SeatCandidate)] = []
        for try await (id, sector, row, priority, number, snake) in rows.decode((Int64, String, String, Int, Int, Int).self) {
            out.append((sector, SeatCandidate(unitID: id, row: row, rowPriority: priority, number: number, snakeOrder: snake)))
        }
        return out
    }

    /// Where each unit set aside for `allocationID` stands: allocated (free), held (a claim awaits its
    /// payment) or sold. Units no longer in the allocation are absent.
    func allocationStatus(on connection: PostgresConnection, allocationID: UUID) async throws -> [Int64: String] {
        let rows = try await connection.prepared(
            "SELECT id, status FROM inventory.units WHERE allocation_id = \(allocationID)", logger: self.logger)
        var out: [Int64: String] = [:]
        for try await (id, status) in rows.decode((Int64, String).self) { out[id] = status }
        return out
    }

    /// Holds `units` of the allocation (all free, one sector) for `buyer`, as a sale's hold: an order
    /// is placed for it in the same transaction. Ended without a sale, its seats return to the
    /// allocation (or on sale, if the allocation ended meanwhile).
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

    private func sectorKind(_ connection: PostgresConnection, matchID: Int64, sector: String) async throws -> (String, Int) {
        let rows = try await connection.prepared(
            """
            SELECT s.kind, coalesce(c.available, 0) FROM inventory.sectors s
            LEFT JOIN inventory.sector_counts c ON c.match_id = s.match_id AND c.sector_code = s.code
            WHERE s.match_id = \(matchID) AND s.code = \(sector)
            """, logger: self.logger)
        for try await row in rows.decode((String, Int).self) { return row }
        throw InventoryError.sectorNotFound(sector)
    }
}
