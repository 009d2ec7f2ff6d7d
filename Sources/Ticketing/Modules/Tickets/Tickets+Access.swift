import Foundation
import HNSPostgres
import Logging
import PostgresNIO

/// What access control reads of the tickets (E13 through E9's facade): valid codes, revoked codes
/// with their reasons, each optionally only what changed after an earlier export's snapshot.
extension Tickets {
    struct Code: Sendable {
        let barcode: String
        let ticketID: UUID
        let sector: String
        let row: String?
        let seat: String?
        let holderName: String
        let status: String
    }

    struct RevokedCode: Sendable {
        let barcode: String
        let ticketID: UUID
        let reason: String
        let revokedAt: Date
        let sector: String
        let row: String?
        let seat: String?
    }

    /// Every valid code of a match in seat order, or with `snapshot` only those issued, re-issued
    /// or re-seated by transactions that snapshot did not see. Rows stream: memory stays flat.
    static func eachValidCode(
        _ connection: PostgresConnection, matchID: Int64, changedAfter snapshot: String?, logger: Logger,
        _ body: (Code) async throws -> Void
    ) async throws {
        let rows =
            if let snapshot {
                try await connection.query(
                    """
                    SELECT barcode, id, sector_code, row_label, seat_label, holder_name, status FROM tickets.tickets
                    WHERE match_id = \(matchID) AND status IN ('issued', 'activated')
                      AND NOT pg_visible_in_snapshot(code_xid, \(snapshot)::pg_snapshot)
                    ORDER BY unit_id
                    """, logger: logger)
            } else {
                try await connection.query(
                    """
                    SELECT barcode, id, sector_code, row_label, seat_label, holder_name, status FROM tickets.tickets
                    WHERE match_id = \(matchID) AND status IN ('issued', 'activated')
                    ORDER BY unit_id
                    """, logger: logger)
            }
        for try await (barcode, id, sector, row, seat, holder, status) in rows.decode(
            (String, UUID, String, String?, String?, String, String).self)
        {
            try await body(Code(barcode: barcode, ticketID: id, sector: sector, row: row, seat: seat, holderName: holder, status: status))
        }
    }

    /// Every revoked code of a match, or with `snapshot` only those revoked after it, in the order
    /// they were revoked.
    static func eachRevokedCode(
        _ connection: PostgresConnection, matchID: Int64, revokedAfter snapshot: String?, logger: Logger,
        _ body: (RevokedCode) async throws -> Void
    ) async throws {
        let rows = try await connection.query(
            """
            SELECT r.barcode, r.ticket_id, r.reason, r.revoked_at, t.sector_code, t.row_label, t.seat_label
            FROM tickets.revoked_barcodes r JOIN tickets.tickets t ON t.id = r.ticket_id
            WHERE r.match_id = \(matchID)
              AND (\(snapshot)::pg_snapshot IS NULL OR NOT pg_visible_in_snapshot(r.revoked_xid, \(snapshot)::pg_snapshot))
            ORDER BY r.revoked_at, r.barcode
            """, logger: logger)
        for try await (barcode, id, reason, at, sector, row, seat) in rows.decode((String, UUID, String, Date, String, String?, String?).self) {
            try await body(RevokedCode(barcode: barcode, ticketID: id, reason: reason, revokedAt: at, sector: sector, row: row, seat: seat))
        }
    }
}

extension Tickets {
    /// A scan from the stadium's attendance export.
    struct Scan: Sendable {
        let barcode: String
        let at: Date
        let gate: String?
    }

    /// What a scanned code turned out to be.
    struct ScanOutcome: Sendable {
        let barcode: String
        let at: Date
        let gate: String?
        /// The ticket the code is (or was, if revoked) on; nil: unknown at this match.
        let ticketID: UUID?
        /// Marked used by this call.
        let marked: Bool
        /// Used before this call (an earlier import).
        let alreadyUsed: Bool
        let revokedReason: String?
        let revokedAt: Date?
        /// The ticket was sent to another email than the buyer's wallet.
        let otherEmail: Bool
        /// The ticket's holder was changed by a support transfer.
        let transferred: Bool
    }

    /// Marks the tickets of valid scanned codes `used` (time and gate of the first scan of each code),
    /// in the caller's transaction, and says of every distinct code what it was. A code already used,
    /// revoked or unknown changes nothing.
    static func markUsed(_ connection: PostgresConnection, matchID: Int64, scans: [Scan], logger: Logger) async throws -> [ScanOutcome] {
        let rows = try await connection.query(
            """
            WITH s AS (
                SELECT DISTINCT ON (barcode) barcode, at, nullif(gate, '') AS gate
                FROM unnest(\(scans.map(\.barcode))::text[], \(scans.map(\.at))::timestamptz[], \(scans.map { $0.gate ?? "" })::text[])
                     AS s(barcode, at, gate)
                ORDER BY barcode, at),
            c AS (
                SELECT s.barcode, s.at, s.gate, t.id, t.status, t.deliver_to_email IS NOT NULL AS other_email, r.reason, r.revoked_at,
                       r.ticket_id AS revoked_ticket
                FROM s LEFT JOIN tickets.tickets t ON t.barcode = s.barcode AND t.match_id = \(matchID)
                       LEFT JOIN tickets.revoked_barcodes r ON r.barcode = s.barcode AND r.match_id = \(matchID)),
            u AS (
                UPDATE tickets.tickets t SET status = 'used', used_at = c.at, used_gate = c.gate FROM c
                WHERE t.id = c.id AND c.reason IS NULL AND t.status IN ('issued', 'activated')
                RETURNING t.id)
            SELECT c.barcode, c.at, c.gate, coalesce(c.id, c.revoked_ticket), c.id IN (SELECT id FROM u), coalesce(c.status = 'used', false),
                   c.reason, c.revoked_at, coalesce(c.other_email, false), moved.ticket_id IS NOT NULL
            FROM c LEFT JOIN (SELECT DISTINCT ticket_id FROM tickets.revoked_barcodes WHERE match_id = \(matchID) AND reason = 'transferred') moved
                   ON moved.ticket_id = c.id
            """, logger: logger)
        var out: [ScanOutcome] = []
        out.reserveCapacity(scans.count)
        for try await (barcode, at, gate, ticket, marked, used, reason, revokedAt, otherEmail, transferred) in rows.decode(
            (String, Date, String?, UUID?, Bool?, Bool, String?, Date?, Bool, Bool).self)
        {
            out.append(
                ScanOutcome(
                    barcode: barcode, at: at, gate: gate, ticketID: ticket, marked: marked ?? false, alreadyUsed: used, revokedReason: reason,
                    revokedAt: revokedAt, otherEmail: otherEmail, transferred: transferred))
        }
        return out
    }

    /// Per sector: tickets sold (valid or used) and used.
    static func attendance(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> [(sector: String, sold: Int, used: Int)]
    {
        let rows = try await connection.query(
            """
            SELECT sector_code, count(*)::int, (count(*) FILTER (WHERE status = 'used'))::int FROM tickets.tickets
            WHERE match_id = \(matchID) AND status <> 'void' GROUP BY sector_code ORDER BY sector_code
            """, logger: logger)
        var out: [(sector: String, sold: Int, used: Int)] = []
        for try await (sector, sold, used) in rows.decode((String, Int, Int).self) { out.append((sector, sold, used)) }
        return out
    }
}
