import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

extension Inventory {
    /// Sold seats given back by a refund (E10), in the caller's transaction: on sale again, or kept
    /// blocked with `blockReason`. The buyers' counts (a refunded ticket no longer counts against the
    /// per-buyer limit) and the sectors' counters follow; the sectors' counters are locked last, as a
    /// sale locks them. Returns the sectors changed, for `afterReturn`.
    func returnSold(
        _ connection: PostgresConnection, matchID: Int64, units: [Int64], blockReason: String?, actor: Actor
    ) async throws -> [String] {
        guard !units.isEmpty else { return [] }
        let rows = try await connection.prepared(
            """
            UPDATE inventory.units u SET status = \(blockReason == nil ? "available" : "blocked"), hold_id = NULL, block_reason = \(blockReason),
                   allocation_id = NULL
            FROM inventory.holds h
            WHERE u.id = ANY(\(units.sorted())) AND u.match_id = \(matchID) AND u.status = 'sold' AND h.id = u.hold_id
            RETURNING u.id, u.sector_code, h.buyer_id, h.allocation_id IS NOT NULL
            """, logger: self.logger)
        var bySector: [String: [Int64]] = [:]
        var byBuyer: [String: Int] = [:]
        for try await (id, sector, buyer, fromAllocation) in rows.decode((Int64, String, String, Bool).self) {
            bySector[sector, default: []].append(id)
            // A quota's claim never counted against its owner's own limit.
            if !fromAllocation { byBuyer[buyer, default: 0] += 1 }
        }
        var writes = PreparedWrites()
        // Parts run last-added first: the counters, added first, are locked last.
        for (sector, ids) in bySector.sorted(by: { $0.key < $1.key }) {
            _ = Self.addCounts(
                matchID: matchID, sector: sector, available: blockReason == nil ? ids.count : 0, sold: -ids.count,
                blocked: blockReason == nil ? 0 : ids.count, to: &writes)
            Audit.add(
                Self.entry(
                    blockReason == nil ? "seats.returned" : "seats.returned_blocked", matchID: matchID, hold: nil, sector: sector,
                    units: ids.sorted(), actor: actor), to: &writes)
        }
        for (buyer, n) in byBuyer.sorted(by: { $0.key < $1.key }) {
            writes.add(
                "UPDATE inventory.buyer_counts SET sold = sold - \(n) WHERE match_id = \(matchID) AND buyer_id = \(buyer)")
        }
        if writes.count > 0 { try await writes.run(on: connection, logger: self.logger) }
        return bySector.keys.sorted()
    }

    /// After the return committed: the sectors' availability pushed, and the queue told the match has
    /// seats again.
    func afterReturn(matchID: Int64, sectors: [String]) async {
        guard !sectors.isEmpty, let left = await self.projection.push(matchID: matchID, sectors: sectors) else { return }
        await self.seatsLeftChanged(matchID, left)
    }
}

extension Inventory {
    /// The match's active holds (a cancellation releases them; their orders end with them).
    func activeHolds(matchID: Int64) async throws -> [UUID] {
        let rows = try await self.postgres.query(
            "SELECT id FROM inventory.holds WHERE match_id = \(matchID) AND state = 'active'", logger: self.logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }
}
