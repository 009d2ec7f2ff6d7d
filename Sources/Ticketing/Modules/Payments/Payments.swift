import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO
import ServiceLifecycle

/// E8: the PaymentIntents we created, what Stripe told us (each event recorded once, by its id) and the refunds we owe, sent by
/// `RefundSender` with the refund row's id as Stripe's idempotency key, so money goes back exactly
/// once. The purchase saga (Orders) drives it inside its own transactions through this facade.
struct Payments: Sendable {
    let postgres: PostgresClient
    /// Stripe's REST API; nil when card payments are not configured.
    let stripe: StripeClient?
    let logger: Logger

    /// How an event ended, stored with it.
    enum EventOutcome: String, Sendable {
        case duplicate, ignored
        case ticketsIssued = "tickets_issued"
        case alreadyPaid = "already_paid"
        case refunded, failed, cancelled
        case unknownOrder = "unknown_order"
    }

    /// Records a Stripe event as being processed, once: a part of the caller's first statement whose
    /// rows (one, or none for an event seen before) tell whether this delivery is the first.
    static func addEventRecord(id: String, type: String, paymentIntent: String?, orderID: UUID?, to writes: inout PreparedWrites) -> String {
        writes.add(
            """
            INSERT INTO payments.stripe_events (event_id, type, payment_intent_id, order_id, outcome)
            VALUES (\(id), \(type), \(paymentIntent), \(orderID), 'processing')
            ON CONFLICT (event_id) DO NOTHING RETURNING 1
            """)
    }

    /// Whether the event is being processed by this transaction (its row says `processing`): for an
    /// event whose first statement read no order.
    static func isProcessing(_ connection: PostgresConnection, eventID: String, logger: Logger) async throws -> Bool {
        let rows = try await connection.prepared("SELECT outcome FROM payments.stripe_events WHERE event_id = \(eventID)", logger: logger)
        for try await outcome in rows.decode(String.self) { return outcome == "processing" }
        return false
    }

    /// The event's outcome, as a part of the caller's closing statement.
    static func addOutcome(eventID: String, _ outcome: EventOutcome, to writes: inout PreparedWrites) {
        writes.add("UPDATE payments.stripe_events SET outcome = \(outcome.rawValue) WHERE event_id = \(eventID)")
    }

    /// Where a PaymentIntent stands, as far as its events told us.
    enum IntentStatus: String, Sendable {
        case created, succeeded, failed, canceled
    }

    /// Records an order's PaymentIntent and where it stands, as a part of the caller's closing
    /// statement: created with the payment's start (or with the first event about it), then moved by
    /// each event. `created` never overwrites a later status (a retried start after a fast webhook).
    static func addIntent(
        id: String, orderID: UUID, amountCents: Int, currency: String, status: IntentStatus, to writes: inout PreparedWrites
    ) {
        writes.add(
            """
            INSERT INTO payments.payment_intents (id, order_id, amount_cents, currency, status)
            VALUES (\(id), \(orderID), \(amountCents), \(currency), \(status.rawValue))
            ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = now() WHERE EXCLUDED.status <> 'created'
            """)
    }

    /// Owes the payment back (once per PaymentIntent), in the caller's transaction; the sender pays it.
    func requestRefund(
        _ connection: PostgresConnection, orderID: UUID?, paymentIntent: String, amount: Int, reason: String, actor: Actor
    ) async throws {
        guard amount > 0 else { return }
        let refundID = UUID.random()
        var writes = PreparedWrites()
        let inserted = writes.add(
            """
            INSERT INTO payments.refunds (id, order_id, payment_intent_id, amount_cents, reason)
            VALUES (\(refundID), \(orderID), \(paymentIntent), \(amount), \(reason))
            ON CONFLICT (payment_intent_id) DO NOTHING RETURNING id
            """)
        let rows = try await writes.run(on: connection, select: "SELECT count(*)::int FROM \(inserted)", logger: self.logger)
        guard try rows.first?.decode(Int.self) == 1 else { return }
        var subjects = ["refund:\(refundID.lowercased)", "payment_intent:\(paymentIntent)"]
        if let orderID { subjects.append("order:\(orderID.lowercased)") }
        try await Audit.write(
            Audit.Entry(
                domain: .payment, action: "refund.requested", actor: actor, subjects: subjects,
                data: ["amount_cents": .number(Double(amount)), "reason": .string(reason)]),
            on: connection, logger: self.logger)
        try await Outbox.write(
            [
                .init(
                    subject: "payment.refund_requested", msgID: "payment.refund_requested:\(paymentIntent)",
                    payload: .object([
                        "order_id": orderID.map { .string($0.lowercased) } ?? .null, "payment_intent_id": .string(paymentIntent),
                        "amount_cents": .number(Double(amount)), "reason": .string(reason),
                    ]))
            ], on: connection, logger: self.logger)
    }

    /// Sends the refunds we owe to Stripe; returns how many went through.
    @discardableResult
    func sendRefunds(limit: Int = 100) async throws -> Int {
        guard let stripe = self.stripe else { return 0 }
        let rows = try await self.postgres.query(
            """
            SELECT id, payment_intent_id, amount_cents, reason FROM payments.refunds
            WHERE state = 'pending' AND attempts < 50 ORDER BY created_at LIMIT \(limit)
            """, logger: self.logger)
        var pending: [(UUID, String, Int, String)] = []
        for try await row in rows.decode((UUID, String, Int, String).self) { pending.append(row) }
        var sent = 0
        for (id, pi, amount, reason) in pending {
            do {
                let refund = try await stripe.refund(
                    paymentIntent: pi, amountCents: amount, reason: reason, idempotencyKey: "refund-\(id.lowercased)")
                try await self.postgres.withTransaction(logger: self.logger) { connection in
                    try await connection.query(
                        """
                        UPDATE payments.refunds SET state = 'succeeded', stripe_refund_id = \(refund.id), attempts = attempts + 1, updated_at = now()
                        WHERE id = \(id)
                        """, logger: self.logger)
                    try await Audit.write(
                        Audit.Entry(
                            domain: .payment, action: "refund.sent", actor: .service("system:refunds"),
                            subjects: ["refund:\(id.lowercased)", "payment_intent:\(pi)"],
                            data: ["stripe_refund_id": .string(refund.id), "amount_cents": .number(Double(amount))]),
                        on: connection, logger: self.logger)
                    try await Outbox.write(
                        [
                            .init(
                                subject: "payment.refunded", msgID: "payment.refunded:\(pi)",
                                payload: .object([
                                    "payment_intent_id": .string(pi), "refund_id": .string(refund.id), "amount_cents": .number(Double(amount)),
                                    "reason": .string(reason),
                                ]))
                        ], on: connection, logger: self.logger)
                }
                sent += 1
            } catch {
                // Counted, not audited: the refund's state did not change.
                try await self.postgres.query(
                    """
                    UPDATE payments.refunds SET attempts = attempts + 1, last_error = \(String(describing: error)), updated_at = now()
                    WHERE id = \(id)
                    """, logger: self.logger)
            }
        }
        return sent
    }
}
