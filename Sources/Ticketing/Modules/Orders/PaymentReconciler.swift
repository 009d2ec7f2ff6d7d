import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO
import ServiceLifecycle

/// What the webhooks alone cannot guarantee: an order whose hold passed its 15 minutes while its
/// payment was under way is settled by asking Stripe; refunds we owe are sent (Stripe
/// idempotency key = the refund row's id, so a retry never refunds twice); orders left open by a
/// crash between a hold's end and the order's are ended.
struct PaymentReconciler: Service {
    let orders: Orders
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.interval)
                await self.runOnce()
            }
        }
    }

    func runOnce() async {
        do { try await self.settleOverduePayments() } catch { self.logger.warning("payment reconcile failed", metadata: ["error": "\(error)"]) }
        do { try await self.sendRefunds() } catch { self.logger.warning("refunds not sent", metadata: ["error": "\(error)"]) }
        do { try await self.endOrphanedOrders() } catch { self.logger.warning("order repair failed", metadata: ["error": "\(error)"]) }
    }

    /// Orders awaiting payment whose hold is past its normal expiry: ask Stripe where the payment is.
    func settleOverduePayments() async throws {
        guard let stripe = self.orders.stripe else { return }
        let rows = try await self.orders.postgres.query(
            """
            SELECT o.payment_intent_id FROM orders.orders o JOIN inventory.holds h ON h.id = o.hold_id
            WHERE o.state = 'awaiting_payment' AND o.payment_intent_id IS NOT NULL
              AND (h.created_at + make_interval(secs => \(self.orders.holdTTL.seconds)) <= now() OR h.state <> 'active')
            ORDER BY o.payment_started_at LIMIT 200
            """, logger: self.logger)
        var intents: [String] = []
        for try await pi in rows.decode(String.self) { intents.append(pi) }
        for pi in intents {
            guard let intent = try? await stripe.paymentIntent(pi) else { continue }
            let type: String
            switch intent.status {
            case "succeeded": type = "payment_intent.succeeded"
            case "canceled": type = "payment_intent.canceled"
            case "requires_payment_method" where intent.amountReceived == 0: type = "payment_intent.payment_failed"
            default: continue  // processing, requires_action: the hold's grace period decides
            }
            try await self.orders.handle(event: .init(id: "reconcile:\(pi):\(intent.status)", type: type, data: .init(object: .init(intent))))
        }
    }

    func sendRefunds() async throws {
        guard let stripe = self.orders.stripe else { return }
        let rows = try await self.orders.postgres.query(
            """
            SELECT id, payment_intent_id, amount_cents, reason FROM payments.refunds
            WHERE state = 'pending' AND attempts < 50 ORDER BY created_at LIMIT 100
            """, logger: self.logger)
        var pending: [(UUID, String, Int, String)] = []
        for try await row in rows.decode((UUID, String, Int, String).self) { pending.append(row) }
        for (id, pi, amount, reason) in pending {
            do {
                let refund = try await stripe.refund(paymentIntent: pi, amountCents: amount, reason: reason, idempotencyKey: "refund-\(id.lowercased)")
                try await self.orders.postgres.withTransaction(logger: self.logger) { connection in
                    try await connection.query(
                        """
                        UPDATE payments.refunds SET state = 'succeeded', stripe_refund_id = \(refund.id), attempts = attempts + 1, updated_at = now()
                        WHERE id = \(id)
                        """, logger: self.logger)
                    try await Outbox.write([
                        .init(subject: "payment.refunded", msgID: "payment.refunded:\(pi)", payload: .object([
                            "payment_intent_id": .string(pi), "refund_id": .string(refund.id), "amount_cents": .number(Double(amount)),
                            "reason": .string(reason),
                        ])),
                    ], on: connection, logger: self.logger)
                }
            } catch {
                try await self.orders.postgres.query(
                    """
                    UPDATE payments.refunds SET attempts = attempts + 1, last_error = \(String(describing: error)), updated_at = now()
                    WHERE id = \(id)
                    """, logger: self.logger)
            }
        }
    }

    /// Open orders whose hold ended unsold (a crash between the two), and orders in a window that
    /// closed before their payment started.
    func endOrphanedOrders() async throws {
        let rows = try await self.orders.postgres.query(
            """
            SELECT o.hold_id, h.state FROM orders.orders o JOIN inventory.holds h ON h.id = o.hold_id
            WHERE o.state IN ('created', 'seats_held', 'awaiting_payment') AND h.state IN ('released', 'expired')
            LIMIT 200
            """, logger: self.logger)
        var ended: [(UUID, String)] = []
        for try await row in rows.decode((UUID, String).self) { ended.append(row) }
        for (hold, state) in ended {
            await Orders.holdEnded(postgres: self.orders.postgres, redis: self.orders.redis, stripe: self.orders.stripe, logger: self.logger,
                                   holdID: hold, reason: state == "expired" ? .expired : .released)
        }
        let late = try await self.orders.postgres.query(
            """
            SELECT hold_id FROM orders.orders WHERE state = 'seats_held' AND window_ends_at < now() LIMIT 200
            """, logger: self.logger)
        var holds: [UUID] = []
        for try await hold in late.decode(UUID.self) { holds.append(hold) }
        for hold in holds {
            _ = try? await self.orders.inventory.release(holdID: hold, buyer: nil, reason: .released, actor: "system:queue-window")
        }
    }
}
