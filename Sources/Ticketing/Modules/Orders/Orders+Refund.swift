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
}
