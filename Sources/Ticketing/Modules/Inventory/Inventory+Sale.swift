import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO

/// What the purchase saga asks of inventory: a hold's seats and price for an order, protecting a
/// hold while its payment is under way, and turning held seats into sold ones inside the
/// transaction that records the payment.
extension Inventory {
    /// An active hold (`holdForOrder` refuses any other).
    struct HoldForOrder: Sendable {
        let matchID: Int64
        let expiresAt: Date
        let unitPriceCents: Int
        let seats: [HeldSeat]
        /// `now()` of the transaction: what a row it inserts gets as its default time.
        let transactionTime: Date
    }

    /// The buyer's active hold with its seats and the price of its sector now, read on `connection`
    /// with the hold row locked (an order is created for it in the same transaction).
    func holdForOrder(on connection: PostgresConnection, holdID: UUID, buyer: String) async throws -> HoldForOrder {
        // The hold (locked) with its units, one row per unit.
        let rows = try await connection.prepared(
            """
            SELECT h.match_id, h.buyer_id, h.state, h.expires_at, s.price_cents,
                   u.id, u.sector_code, u.row_label, u.seat_label, now()
            FROM inventory.holds h
            JOIN inventory.sectors s ON s.match_id = h.match_id AND s.code = h.sector_code
            LEFT JOIN inventory.units u ON u.hold_id = h.id
            WHERE h.id = \(holdID)
            ORDER BY u.snake_order
            FOR UPDATE OF h
            """, logger: self.logger)
        var found: (Int64, String, String, Date, Int?, Date)?
        var seats: [HeldSeat] = []
        for try await (match, holder, state, expires, price, unit, sector, row, seat, now) in rows.decode(
            (Int64, String, String, Date, Int?, Int64?, String?, String?, String?, Date).self)
        {
            found = (match, holder, state, expires, price, now)
            if let unit, let sector { seats.append(HeldSeat(unitId: unit, sector: sector, row: row, seat: seat)) }
        }
        guard let (matchID, holder, state, expires, price, now) = found, holder == buyer else { throw InventoryError.holdNotFound }
        guard state == "active" else { throw InventoryError.holdNotActive(state: state) }
        return HoldForOrder(
            matchID: matchID, expiresAt: expires, unitPriceCents: price ?? 0, seats: seats,
            transactionTime: now)
    }

    /// A payment for the hold has started: the buyer can no longer release it, and it now ends
    /// `grace` later than it would have, so a payment confirmed in the last minute still finds its
    /// seats. A part of the caller's closing statement: the part's rows are the new expiry, none when
    /// the hold is no longer active (the caller then throws, rolling its transaction back). The Redis
    /// key follows after the commit.
    func addPaymentProtection(holdID: UUID, grace: Duration, to writes: inout PreparedWrites) -> String {
        writes.add(
            """
            UPDATE inventory.holds SET payment_started_at = coalesce(payment_started_at, now()),
                   expires_at = CASE WHEN payment_started_at IS NULL THEN expires_at + make_interval(secs => \(grace.seconds)) ELSE expires_at END
            WHERE id = \(holdID) AND state = 'active' RETURNING expires_at
            """)
    }

    /// Moves the hold's Redis key to its (new) expiry; the sweeper covers a failure here.
    func followExpiry(holdID: UUID, matchID: Int64, expiresAt: Date) async {
        let ms = max(1, Int(expiresAt.timeIntervalSinceNow * 1000))
        _ = try? await self.redis.set(Self.holdKey(holdID), String(matchID), px: ms)
    }

    enum SaleOutcome: Sendable {
        /// The seats can be sold to the hold's buyer (they are locked): the caller adds the sale's
        /// writes (`add(_:to:)`) and its counter change to its closing statement.
        case sold(Sale)
        /// The hold had ended and some of its seats were taken since: nothing is sold.
        case seatsGone
    }

    /// A sale checked and locked, not yet written.
    struct Sale: Sendable {
        let holdID: UUID
        let matchID: Int64
        let buyer: String
        let sector: String
        let unitIDs: [Int64]
        let seats: [HeldSeat]
        /// The seats come from the active hold (false: the hold had ended, and a late payment re-takes
        /// them from the free seats).
        let fromHeld: Bool
        /// Held from a quota's allocation: not counted against the buyer's own limit.
        let fromAllocation: Bool
        let actor: Actor

        var counts: CountsChange {
            let n = self.unitIDs.count
            return CountsChange(matchID: self.matchID, sector: self.sector, available: self.fromHeld ? 0 : -n, held: self.fromHeld ? -n : 0, sold: n)
        }
    }

    /// A change of one sector's counters, applied last in a transaction: the counter row is the
    /// hottest lock of a sale, so it is taken just before the commit, not before the tickets are written.
    struct CountsChange: Sendable {
        let matchID: Int64
        let sector: String
        var available = 0
        var held = 0
        var sold = 0
        var allocated = 0
    }

    /// The change as a part of the caller's closing statement (with the other writes of its transaction).
    /// Not inlined: inlined into the sale, Swift 6.3's optimizer fails on it (an ownership error in
    /// CopyPropagation, a compiler crash).
    @inline(never)
    func add(_ change: CountsChange, to writes: inout PreparedWrites) {
        guard change.available != 0 || change.held != 0 || change.sold != 0 || change.allocated != 0 else { return }
        _ = Self.addCounts(
            matchID: change.matchID, sector: change.sector, available: change.available, held: change.held, sold: change.sold,
            allocated: change.allocated, to: &writes)
    }

    /// Sells the hold's seats in the caller's transaction: locks and checks them now; the caller adds
    /// the writes to its closing statement. An active hold simply becomes sold; a hold that already
    /// ended (a late payment) re-takes exactly its former seats if every one is still free.
    func sell(on connection: PostgresConnection, holdID: UUID, actor: Actor) async throws -> SaleOutcome {
        // Lock order as in `release`: the hold, its units, the buyer's counter row, the sector's counter
        // row last (by the caller, at the end of its closing statement).
        // The hold locked, the seats it had (its `unit_ids`, which outlive the hold) and those units
        // locked, in id order, in one statement. The units read the hold's row, so they are locked after it.
        let rows = try await connection.prepared(
            """
            SELECT h.match_id, h.buyer_id, h.sector_code, h.state, h.unit_ids, u.id, u.status, u.hold_id, u.sector_code, u.row_label, u.seat_label,
                   h.allocation_id IS NOT NULL
            FROM (SELECT match_id, buyer_id, sector_code, state, unit_ids, allocation_id FROM inventory.holds WHERE id = \(holdID) FOR UPDATE) h
            LEFT JOIN LATERAL (
                SELECT id, status, hold_id, sector_code, row_label, seat_label FROM inventory.units
                WHERE id = ANY(h.unit_ids) AND match_id = h.match_id ORDER BY id FOR UPDATE
            ) u ON true
            ORDER BY u.id
            """, logger: self.logger)
        var hold: (Int64, String, String, String)?
        var fromAllocation = false
        var unitIDs: [Int64] = []
        var units: [(id: Int64, status: String, hold: UUID?)] = []
        var seats: [HeldSeat] = []
        for try await (match, buyer, sector, state, ids, unit, status, unitHold, code, row, seat, allocation) in rows.decode(
            (Int64, String, String, String, [Int64]?, Int64?, String?, UUID?, String?, String?, String?, Bool).self)
        {
            hold = (match, buyer, sector, state)
            fromAllocation = allocation
            unitIDs = (ids ?? []).sorted()
            if let unit, let status, let code {
                units.append((unit, status, unitHold))
                seats.append(HeldSeat(unitId: unit, sector: code, row: row, seat: seat))
            }
        }
        guard let (matchID, buyer, sector, state) = hold else { throw InventoryError.holdNotFound }

        let fromHeld: Bool
        switch state {
        case "sold":
            // A hold is sold only with its order paid, in one transaction: an open order on a sold
            // hold is an inconsistency to see, not to paper over (the event fails and is retried).
            throw InventoryError.holdNotActive(state: "sold")
        case "active":
            guard units.count == unitIDs.count, units.allSatisfy({ $0.status == "held" && $0.hold == holdID }) else {
                throw InventoryError.holdNotActive(state: "inconsistent")
            }
            fromHeld = true
        default:
            guard !unitIDs.isEmpty, units.count == unitIDs.count, units.allSatisfy({ $0.status == "available" }) else { return .seatsGone }
            fromHeld = false
        }
        return .sold(
            Sale(
                holdID: holdID, matchID: matchID, buyer: buyer, sector: sector, unitIDs: unitIDs, seats: seats, fromHeld: fromHeld,
                fromAllocation: fromAllocation, actor: actor))
    }

    /// The sale's writes as parts of the caller's closing statement: the units, the hold, the buyer's
    /// counter (created if a late payment finds none) and the audit row. The sector's counter is the
    /// caller's to add (`add(_ change:to:)`), first: PostgreSQL runs such parts last-first, so its
    /// lock, the hottest of a sale, is taken last.
    func add(_ sale: Sale, to writes: inout PreparedWrites) {
        let (holdID, unitIDs, n) = (sale.holdID, sale.unitIDs, sale.unitIDs.count)
        writes.add("UPDATE inventory.units SET status = 'sold', hold_id = \(holdID) WHERE id = ANY(\(unitIDs))")
        writes.add(
            """
            UPDATE inventory.holds SET state = 'sold', ended_at = now(), end_reason = \(sale.fromHeld ? "sold" : "sold_after_expiry")
            WHERE id = \(holdID)
            """)
        if !sale.fromAllocation {
            writes.add(
                """
                INSERT INTO inventory.buyer_counts AS b (match_id, buyer_id, held, sold) VALUES (\(sale.matchID), \(sale.buyer), 0, \(n))
                ON CONFLICT (match_id, buyer_id) DO UPDATE SET held = b.held - \(sale.fromHeld ? n : 0), sold = b.sold + \(n)
                """)
        }
        Audit.add(
            Self.entry(
                sale.fromHeld ? "hold.sold" : "hold.sold_after_expiry", matchID: sale.matchID, hold: holdID, sector: sale.sector,
                units: unitIDs, actor: sale.actor), to: &writes)
    }

    /// After a sale commits: drop the hold key and push the sector's counts, with the caller's own
    /// Redis `commands`, in one round trip.
    func afterSale(holdID: UUID, matchID: Int64, sector: String, with commands: [[RESPArg]] = []) async {
        if let left = await self.projection.push(matchID: matchID, sectors: [sector], with: [["DEL", RESPArg(Self.holdKey(holdID))]] + commands),
            left == 0
        {
            await self.seatsLeftChanged(matchID, left)
        }
    }
}
