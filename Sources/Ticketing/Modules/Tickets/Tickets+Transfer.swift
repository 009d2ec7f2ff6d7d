import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

extension Tickets {
    /// A ticket as support and a transfer read it.
    struct Held: Sendable {
        let id: UUID
        let orderID: UUID
        let matchID: Int64
        let position: Int
        let status: String
        let holderName: String
        let holderUserID: String?
        let deliverToEmail: String?
        let barcode: String
        let sector: String
        let row: String?
        let seat: String?
        let unitID: Int64

        /// Used tickets have been through the gate; void ones are refunded or cancelled.
        var transferable: Bool { self.status == "issued" || self.status == "activated" }
    }

    /// The ticket, locked until the caller's transaction ends.
    static func lock(_ connection: PostgresConnection, ticketID: UUID, logger: Logger) async throws -> Held? {
        try await Self.read(connection, ticketID: ticketID, forUpdate: true, logger: logger)
    }

    static func read(_ connection: PostgresConnection, ticketID: UUID, forUpdate: Bool = false, logger: Logger) async throws -> Held? {
        try await Self.held(connection, "id", ticketID, forUpdate: forUpdate, logger: logger).first
    }

    /// Tickets as `Held` whose `column` (`id` or `order_id`) is `value`, in position order.
    private static func held(
        _ connection: PostgresConnection, _ column: String, _ value: UUID, forUpdate: Bool, logger: Logger
    ) async throws -> [Held] {
        let query: PreparedSQL = """
            SELECT id, order_id, match_id, position, status, holder_name, holder_user_id, deliver_to_email, barcode, sector_code, row_label,
                   seat_label, unit_id
            FROM tickets.tickets WHERE \(unescaped: column) = \(value) ORDER BY position \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """
        let rows = try await connection.prepared(query, logger: logger)
        var out: [Held] = []
        for try await r in rows.decode(
            (UUID, UUID, Int64, Int, String, String, String?, String?, String, String, String?, String?, Int64).self)
        {
            out.append(
                Held(
                    id: r.0, orderID: r.1, matchID: r.2, position: r.3, status: r.4, holderName: r.5, holderUserID: r.6, deliverToEmail: r.7,
                    barcode: r.8, sector: r.9, row: r.10, seat: r.11, unitID: r.12))
        }
        return out
    }

    /// Gives a locked ticket its new holder and a new barcode, revoking the old one for good. With
    /// `deliverToEmail` the ticket leaves the wallet it was in and waits for whoever signs in with
    /// that email (as a ticket sent at purchase does); without, it stays in the same wallet.
    /// Returns the new barcode.
    static func reissue(_ ticket: Held, holderName: String, deliverToEmail: String?, to writes: inout PreparedWrites) -> String {
        let barcode = Self.newBarcode()
        writes.add(
            """
            UPDATE tickets.tickets SET barcode = \(barcode), code_xid = pg_current_xact_id(), holder_name = \(holderName),
                   holder_user_id = CASE WHEN \(deliverToEmail)::text IS NULL THEN holder_user_id END,
                   deliver_to_email = coalesce(\(deliverToEmail)::text, deliver_to_email)
            WHERE id = \(ticket.id)
            """)
        writes.add(
            """
            INSERT INTO tickets.revoked_barcodes (barcode, ticket_id, match_id, reason)
            VALUES (\(ticket.barcode), \(ticket.id), \(ticket.matchID), 'transferred')
            """)
        return barcode
    }

    /// Every ticket of an order, locked, in position order.
    static func lock(_ connection: PostgresConnection, orderID: UUID, logger: Logger) async throws -> [Held] {
        try await Self.held(connection, "order_id", orderID, forUpdate: true, logger: logger)
    }

    /// Voids locked tickets for good (`reason` as the access-control exports will give it): their
    /// barcodes are revoked, their seats free for another ticket.
    static func void(_ tickets: [Held], reason: String, to writes: inout PreparedWrites) {
        guard let first = tickets.first else { return }
        writes.add("UPDATE tickets.tickets SET status = 'void' WHERE id = ANY(\(tickets.map(\.id)))")
        writes.add(
            """
            INSERT INTO tickets.revoked_barcodes (barcode, ticket_id, match_id, reason)
            SELECT t.barcode, t.ticket_id, \(first.matchID), \(reason)
            FROM unnest(\(tickets.map(\.barcode))::text[], \(tickets.map(\.id))::uuid[]) AS t(barcode, ticket_id)
            """)
    }

    /// Voids every valid ticket of a match at once (its cancellation); returns how many.
    static func voidMatch(_ connection: PostgresConnection, matchID: Int64, reason: String, logger: Logger) async throws -> Int {
        var writes = PreparedWrites()
        let voided = writes.add(
            """
            UPDATE tickets.tickets SET status = 'void' WHERE match_id = \(matchID) AND status IN ('issued', 'activated')
            RETURNING id, barcode
            """)
        let revoked = writes.add(
            """
            INSERT INTO tickets.revoked_barcodes (barcode, ticket_id, match_id, reason)
            SELECT barcode, id, \(matchID), \(reason) FROM \(unescaped: voided) RETURNING 1
            """)
        let rows = try await writes.run(on: connection, select: "SELECT count(*)::int FROM \(revoked)", logger: logger)
        return try rows.first?.decode(Int.self) ?? 0
    }

    /// The ids of an order's tickets (any status), in position order.
    static func ids(_ connection: PostgresConnection, orderIDs: [UUID], logger: Logger) async throws -> [UUID: [UUID]] {
        let rows = try await connection.prepared(
            "SELECT order_id, id FROM tickets.tickets WHERE order_id = ANY(\(orderIDs)) ORDER BY order_id, position", logger: logger)
        var out: [UUID: [UUID]] = [:]
        for try await (order, id) in rows.decode((UUID, UUID).self) { out[order, default: []].append(id) }
        return out
    }

    /// How many valid tickets a match has.
    static func validCount(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> Int {
        let rows = try await connection.prepared(
            "SELECT count(*)::int FROM tickets.tickets WHERE match_id = \(matchID) AND status IN ('issued', 'activated')", logger: logger)
        for try await n in rows.decode(Int.self) { return n }
        return 0
    }
}
