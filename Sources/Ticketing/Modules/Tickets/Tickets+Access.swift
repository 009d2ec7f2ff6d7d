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

    /// A ticket a scan marked used.
    struct Attended: Sendable {
        let ticketID: UUID
        /// The ticket was sent to another email than the buyer's wallet.
        let otherEmail: Bool
        /// The ticket's holder was changed by a support transfer.
        let transferred: Bool
    }

    /// A revoked code that was scanned.
    struct RevokedScan: Sendable {
        let barcode: String
        let ticketID: UUID
        let reason: String
        let revokedAt: Date
        let scannedAt: Date
        let gate: String?
    }

    /// What the scans of a file turned out to be.
    struct Marking: Sendable {
        /// Distinct codes scanned.
        let codes: Int
        let marked: [Attended]
        /// Codes whose tickets an earlier import marked used.
        let alreadyUsed: Int
        let revoked: [RevokedScan]
        /// Codes no ticket of this match ever had.
        let unknown: [String]
    }

    /// Marks the tickets of valid scanned codes `used` (time and gate of the first scan of each code),
    /// in the caller's transaction, and says what the other codes were. A code already used, revoked
    /// or unknown changes nothing. The answer is one row of arrays: tens of thousands of rows, each
    /// its own step through the driver, cost more than the marking itself.
    static func markUsed(_ connection: PostgresConnection, matchID: Int64, scans: [Scan], logger: Logger) async throws -> Marking {
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
                RETURNING t.id, c.other_email),
            moved AS (SELECT DISTINCT ticket_id FROM tickets.revoked_barcodes WHERE match_id = \(matchID) AND reason = 'transferred'),
            m AS (SELECT u.id, u.other_email, moved.ticket_id IS NOT NULL AS transferred FROM u LEFT JOIN moved ON moved.ticket_id = u.id),
            x AS (SELECT * FROM c WHERE c.reason IS NOT NULL OR c.id IS NULL)
            SELECT (SELECT count(*)::int FROM c),
                   (SELECT coalesce(array_agg(id), '{}') FROM m), (SELECT coalesce(array_agg(other_email), '{}') FROM m),
                   (SELECT coalesce(array_agg(transferred), '{}') FROM m),
                   (SELECT count(*)::int FROM c WHERE c.status = 'used' AND c.reason IS NULL),
                   (SELECT coalesce(array_agg(barcode ORDER BY barcode), '{}') FROM x WHERE reason IS NULL),
                   (SELECT coalesce(array_agg(barcode ORDER BY at), '{}') FROM x WHERE reason IS NOT NULL),
                   (SELECT coalesce(array_agg(coalesce(id, revoked_ticket) ORDER BY at), '{}') FROM x WHERE reason IS NOT NULL),
                   (SELECT coalesce(array_agg(reason ORDER BY at), '{}') FROM x WHERE reason IS NOT NULL),
                   (SELECT coalesce(array_agg(revoked_at ORDER BY at), '{}') FROM x WHERE reason IS NOT NULL),
                   (SELECT coalesce(array_agg(at ORDER BY at), '{}') FROM x WHERE reason IS NOT NULL),
                   (SELECT coalesce(array_agg(coalesce(gate, '') ORDER BY at), '{}') FROM x WHERE reason IS NOT NULL)
            """, logger: logger)
        for try await row in rows {
            let r = row.makeRandomAccess()
            let codes = try r[0].decode(Int.self)
            let (ids, otherEmail, transferred) = (try r[1].decode([UUID].self), try r[2].decode([Bool].self), try r[3].decode([Bool].self))
            let (used, unknown, revokedCodes) = (try r[4].decode(Int.self), try r[5].decode([String].self), try r[6].decode([String].self))
            let (revokedTickets, reasons, revokedAt) = (try r[7].decode([UUID].self), try r[8].decode([String].self), try r[9].decode([Date].self))
            let (scannedAt, gates) = (try r[10].decode([Date].self), try r[11].decode([String].self))
            return Marking(
                codes: codes,
                marked: ids.indices.map { Attended(ticketID: ids[$0], otherEmail: otherEmail[$0], transferred: transferred[$0]) },
                alreadyUsed: used,
                revoked: revokedCodes.indices.map {
                    RevokedScan(
                        barcode: revokedCodes[$0], ticketID: revokedTickets[$0], reason: reasons[$0], revokedAt: revokedAt[$0],
                        scannedAt: scannedAt[$0], gate: gates[$0].isEmpty ? nil : gates[$0])
                },
                unknown: unknown)
        }
        return Marking(codes: 0, marked: [], alreadyUsed: 0, revoked: [], unknown: [])
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
