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
