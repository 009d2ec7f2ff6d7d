import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO
import ServiceLifecycle

/// E8: the PaymentIntents we created, what Stripe told us (each event recorded once, by its id) and the refunds we owe, sent by
/// `sendRefunds` with the refund row's id as Stripe's idempotency key, so money goes back exactly
/// once. The purchase saga (Orders) drives it inside its own transactions through this facade.
struct Payments: Sendable {
    let postgres: PostgresClient
    /// Stripe's REST API; nil when card payments are not configured.
    let stripe: StripeClient?
    let logger: Logger
    /// The pace of refund requests to Stripe, shared by every instance; nil: as fast as answered.
    var refundPacer: RequestPacer?
    /// Refund requests in flight at once, per instance.
    var refundConcurrency = 16
    /// How long a sender's claim on the refunds it sends lasts: after a crash, how long until another
    /// sends them again.
    var refundClaim: Duration = .seconds(300)

    /// How many refunds one round claims: what the pace sends in a twentieth of the claim at most,
    /// so that a round outlasts its claim only when more than twenty rounds (instances × 2) share the
    /// pace. Should it still lapse, another instance's request with the same key is answered with the
    /// same refund by Stripe, or 409 while the first is in flight (tried again later).
    var refundClaimSize: Int {
        guard let pacer = self.refundPacer else { return 200 }
        return max(1, min(200, Int(self.refundClaim.milliseconds * 1000 / 20 / pacer.interval)))
    }

    /// How an event ended, stored with it.
    enum EventOutcome: String, Sendable {
        case duplicate, ignored
        case ticketsIssued = "tickets_issued"
        case alreadyPaid = "already_paid"
        case refunded, failed, cancelled
        case unknownOrder = "unknown_order"
        case refundUpdated = "refund_updated"
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
    /// each event; `succeeded` records what Stripe received. `created` never overwrites a later status
    /// (a retried start after a fast webhook).
    static func addIntent(
        id: String, orderID: UUID, amountCents: Int, currency: String, status: IntentStatus, to writes: inout PreparedWrites
    ) {
        writes.add(
            """
            INSERT INTO payments.payment_intents (id, order_id, amount_cents, currency, status)
            VALUES (\(id), \(orderID), \(amountCents), \(currency), \(status.rawValue))
            ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = now(),
                amount_cents = CASE WHEN EXCLUDED.status = 'succeeded' THEN EXCLUDED.amount_cents ELSE payments.payment_intents.amount_cents END,
                currency = CASE WHEN EXCLUDED.status = 'succeeded' THEN EXCLUDED.currency ELSE payments.payment_intents.currency END
            WHERE EXCLUDED.status <> 'created'
            """)
    }
}
