import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO
import ServiceLifecycle

/// What the webhooks alone cannot guarantee: an order whose hold passed its 15 minutes while its
/// payment was under way is settled by asking Stripe; orders left open by a crash between a hold's
/// end and the order's are ended. (Refunds are sent by Payments' `RefundSender`.)
struct PaymentReconciler: Sendable {
    let orders: Orders
    let logger: Logger

    /// One round; each part is tried even when the other failed.
    func runOnce() async {
        do { try await self.settleOverduePayments() } catch { self.logger.warning("payment reconcile failed", metadata: ["error": "\(error)"]) }
        do { try await self.endOrphanedOrders() } catch { self.logger.warning("order repair failed", metadata: ["error": "\(error)"]) }
    }

    /// Orders awaiting payment whose hold is past its normal expiry: ask Stripe where the payment is.
    func settleOverduePayments() async throws {
        guard let stripe = self.orders.stripe else { return }
        // The hold's expiry was pushed back by the grace period when the payment started: past its
        // first expiry, the webhook is late enough to ask.
        let rows = try await self.orders.postgres.query(
            """
            SELECT payment_intent_id FROM orders.orders
            WHERE state = 'awaiting_payment' AND payment_intent_id IS NOT NULL
              AND hold_expires_at <= now() + make_interval(secs => \(self.orders.paymentGrace.seconds))
            ORDER BY payment_started_at LIMIT 200
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

    /// Open orders whose hold ended unsold (a crash between the two), and orders in a window that
    /// closed before their payment started.
    func endOrphanedOrders() async throws {
        // Orders open for a minute or more (a hold's end reaches its order within moments), oldest first;
        // inventory says which of their holds have ended.
        let rows = try await self.orders.postgres.query(
            """
            SELECT hold_id FROM orders.orders
            WHERE state IN ('created', 'seats_held', 'awaiting_payment') AND updated_at < now() - interval '1 minute'
            ORDER BY updated_at LIMIT 500
            """, logger: self.logger)
        var open: [UUID] = []
        for try await hold in rows.decode(UUID.self) { open.append(hold) }
        for (hold, reason) in try await self.orders.inventory.endedWithoutSale(holds: open) {
            await Orders.holdEnded(
                postgres: self.orders.postgres, redis: self.orders.redis, stripe: self.orders.stripe, logger: self.logger,
                holdID: hold, reason: reason)
        }
        let late = try await self.orders.postgres.query(
            """
            SELECT hold_id FROM orders.orders WHERE state = 'seats_held' AND window_ends_at < now() LIMIT 200
            """, logger: self.logger)
        var holds: [UUID] = []
        for try await hold in late.decode(UUID.self) { holds.append(hold) }
        for hold in holds {
            _ = try? await self.orders.inventory.release(
                holdID: hold, buyer: nil, reason: .released, actor: .service("system:queue-window"), unlessPaying: true)
        }
    }
}
