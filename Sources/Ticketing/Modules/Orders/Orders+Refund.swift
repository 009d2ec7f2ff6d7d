import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

extension Orders {
    /// The order, locked, for a refund of its tickets (E10); 404 when there is none, 409 unless paid
    /// with tickets issued (or refunded in part).
    static func lockForRefund(_ connection: PostgresConnection, orderID: UUID, logger: Logger) async throws -> Row {
        guard let row = try await Self.lockedRow(connection, id: orderID, logger: logger) else { throw OrdersError.notFound }
        guard row.state.isRefundable else {
            throw Problem(TicketingProblems.orderNotRefundable, detail: "This order \(row.state.phrase); only paid orders with tickets are refunded.")
        }
        // Tickets issued on a partner's account or free of charge had no card payment to give back.
        let terms = try await connection.prepared("SELECT payment_terms FROM orders.orders WHERE id = \(orderID)", logger: logger)
        for try await value in terms.decode(String.self) where value != PaymentTerms.card.rawValue {
            throw Problem(TicketingProblems.orderNotRefundable, detail: "This order was not paid by card (\(value)); it has no payment to refund.")
        }
        return row
    }

    /// Records that `tickets` of the locked order were refunded: their attendees no longer count for
    /// the one-ticket-per-person rule, and the order becomes refunded (`inFull`) or partially refunded.
    static func addRefund(
        of row: Row, tickets: [UUID], inFull: Bool, reason: String, actor: Actor, to writes: inout PreparedWrites
    ) throws -> OrderState {
        writes.add(
            """
            UPDATE orders.attendees SET refunded_at = now()
            WHERE order_id = \(row.id) AND ticket_id = ANY(\(tickets)) AND refunded_at IS NULL
            """)
        return try Self.addTransitions(
            orderID: row.id, matchID: row.matchID, from: row.state,
            [(inFull ? .refundedInFull : .refundedInPart, "\(tickets.count) ticket(s) refunded: \(reason)", actor)], to: &writes)
    }

    /// Up to `limit` paid orders of a match not yet fully refunded, locked (skipping those another
    /// instance's batch holds), in id order: a cancellation's next batch.
    static func lockRefundable(_ connection: PostgresConnection, matchID: Int64, limit: Int, logger: Logger) async throws -> [Row] {
        let rows = try await connection.prepared(
            """
            SELECT \(unescaped: Self.rowColumns) FROM orders.orders
            WHERE match_id = \(matchID) AND state IN ('tickets_issued', 'partially_refunded') AND payment_terms = 'card'
            ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: logger)
        return try await Self.decodeRows(rows)
    }

    /// What a cancellation would refund: paid orders (not fully refunded), their amount, and orders
    /// still open (they end with their holds, or are refunded if their payment succeeds).
    static func refundSummary(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> (paid: Int, amount: Int, open: Int) {
        let rows = try await connection.prepared(
            """
            SELECT count(*) FILTER (WHERE state IN ('tickets_issued', 'partially_refunded'))::int,
                   coalesce(sum(amount_cents) FILTER (WHERE state IN ('tickets_issued', 'partially_refunded')), 0)::bigint,
                   count(*) FILTER (WHERE state IN ('created', 'seats_held', 'awaiting_payment'))::int
            FROM orders.orders WHERE match_id = \(matchID) AND payment_terms = 'card'
            """, logger: logger)
        for try await (paid, amount, open) in rows.decode((Int, Int, Int).self) { return (paid, amount, open) }
        return (0, 0, 0)
    }

    /// A locked paid order refunded in full (its match cancelled), as parts of the caller's statement.
    static func addRefundInFull(of row: Row, reason: String, actor: Actor, to writes: inout PreparedWrites) throws {
        writes.add("UPDATE orders.attendees SET refunded_at = now() WHERE order_id = \(row.id) AND refunded_at IS NULL")
        _ = try Self.addTransitions(
            orderID: row.id, matchID: row.matchID, from: row.state, [(.refundedInFull, "match cancelled: \(reason)", actor)], to: &writes)
        Outbox.add(
            [
                .init(
                    subject: "order.refunded", msgID: "order.refunded:\(row.id.lowercased)",
                    payload: .object([
                        "order_id": .string(row.id.lowercased), "match_id": .number(Double(row.matchID)), "buyer_id": .string(row.buyer),
                        "buyer_email": row.email.map(JSONValue.string) ?? .null, "reason": .string("match_cancelled"),
                    ]), job: true)
            ], to: &writes)
    }
}
