import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// E14: our own promise, proved — every seat has at most one valid ticket; every payment we captured
/// equals its valid tickets' price or is covered by refunds; our payments and refunds are what Stripe
/// says they are. Every row that breaks is listed: `unexplained` (someone must look) or `pending`
/// (on its way: a refund not yet answered). Read through the modules' facades, on one snapshot.
struct Reconciliation: Sendable {
    let postgres: PostgresClient
    let payments: Payments
    let logger: Logger

    enum Status: String, Encodable, Sendable {
        case unexplained, pending
    }

    struct Row: Encodable, Sendable, Equatable {
        let kind: String
        let status: Status
        /// What the row is about: `seat:<match>/<unit>`, `order:<id>`, `refund:<id>`, `payment_intent:<id>`.
        let subject: String
        let detail: String
        let amountCents: Int?
        let ageSeconds: Int?
    }

    struct Report: EncodesNilAsNull, Sendable {
        let matchId: Int64?
        let checkedAt: Date
        let orders: Int
        let capturedCents: Int
        let refundedCents: Int
        let validTickets: Int
        /// PaymentIntents compared with Stripe's own account of them (0 without `stripe`).
        let stripeChecked: Int
        let unexplained: Int
        let pending: Int
        let byKind: [String: Int]
        let rows: [Row]
        /// What this version cannot prove yet.
        let notChecked: [String]

    }

    /// States of an order whose money we keep for tickets (in whole or part).
    static let paidStates: Set<OrderState> = [.paid, .ticketsIssued, .partiallyRefunded, .refunded]

    func run(matchID: Int64?, stripe: Bool, now: Date = Date()) async throws -> Report {
        // One snapshot for every table: a sale or refund committing meanwhile is wholly in or out.
        let (orders, valid, conflicts, ledger, cancelling, documents, notQueued, orphans, onAccount, tills) = try await self.postgres
            .withReadSnapshot(
                logger: self.logger
            ) { connection in
                let orders = try await Orders.withPayments(connection, matchID: matchID, logger: self.logger)
                let valid = try await Tickets.validByOrder(connection, matchID: matchID, logger: self.logger)
                let conflicts = try await Tickets.seatsWithSeveralValid(connection, matchID: matchID, logger: self.logger)
                let ledger = try await Payments.ledger(connection, paymentIntents: orders.compactMap(\.paymentIntent), logger: self.logger)
                let cancelling = try await Support.cancelling(connection, matchID: matchID, logger: self.logger)
                let documents = try await Invoicing.ledger(connection, orderIDs: orders.map(\.id), logger: self.logger)
                let notQueued = try await Outbox.invoicesNotQueued(connection, logger: self.logger)
                // Refunds of payments no order claims belong to no match: checked with all matches.
                let orphans = matchID == nil ? try await Payments.unsettledRefundsWithoutOrder(connection, logger: self.logger) : []
                let deferred = try await Orders.issued(connection, terms: .deferred, matchID: matchID, logger: self.logger)
                let owed = try await Receivables.ledger(connection, orderIDs: deferred.map(\.id), logger: self.logger)
                let matches = try await Matches.kickoffs(connection, ids: Array(Set(deferred.map(\.matchID))), logger: self.logger)
                // Sales at a Petrol till: paid there, so each is owed its invoice as a card sale is.
                let petrol = try await Orders.issued(connection, terms: .petrol, matchID: matchID, logger: self.logger)
                let petrolDocuments = try await Invoicing.ledger(connection, orderIDs: petrol.map(\.id), logger: self.logger)
                return (
                    orders, valid, conflicts, ledger, cancelling, documents, notQueued, orphans, (deferred, owed, matches), (petrol, petrolDocuments)
                )
            }
        var rows: [Row] = []
        for seat in conflicts {
            rows.append(
                Row(
                    kind: "seat_sold_twice", status: .unexplained, subject: "seat:\(seat.matchID)/\(seat.unitID)",
                    detail: "\(seat.tickets.count) valid tickets: \(seat.tickets.map { $0.lowercased }.joined(separator: ", "))",
                    amountCents: nil, ageSeconds: nil))
        }
        var captured = 0
        var refunded = 0
        var checkAtStripe: [(order: Orders.Row, paymentIntent: String, received: Int, sent: Int, owed: Int)] = []
        for order in orders {
            guard let pi = order.paymentIntent else { continue }
            let intent = ledger.intents[pi]
            let received = intent?.status == .succeeded ? (intent?.amount ?? 0) : 0
            let tickets = valid[order.id] ?? 0
            let refunds = ledger.refunds[pi] ?? []
            func sum(_ states: Set<RefundState>) -> Int { refunds.filter { states.contains($0.state) }.reduce(0) { $0 + $1.amount + $1.fee } }
            let live = sum([.created, .pending, .succeeded])
            let failed = refunds.filter { $0.state == .failed }
            captured += received
            refunded += refunds.filter { $0.state == .succeeded }.reduce(0) { $0 + $1.amount }
            if received > 0 {
                rows += Self.documentRows(
                    order: order, received: received, refunds: refunds, documents: documents[order.id] ?? [], notQueued: notQueued, now: now)
            }
            if received == 0 {
                if Self.paidStates.contains(order.state) || tickets > 0 {
                    rows.append(
                        Row(
                            kind: "tickets_without_payment", status: .unexplained, subject: "order:\(order.id.lowercased)",
                            detail: "order \(order.state.rawValue) with \(tickets) valid ticket(s), but no captured payment (\(pi))",
                            amountCents: order.amount, ageSeconds: nil))
                }
                continue
            }
            let value = tickets * order.unitPrice
            if value + live != received, cancelling.contains(order.matchID), value == 0, Self.paidStates.contains(order.state) {
                // Its match's cancellation voided the tickets at once; its refund comes with a later batch.
                rows.append(
                    Row(
                        kind: "cancellation_refund_pending", status: .pending, subject: "order:\(order.id.lowercased)",
                        detail: "the match is being cancelled; this order's refund is not owed yet", amountCents: received - live,
                        ageSeconds: nil))
            } else if value + live != received {
                // A failed refund is support's to retry; the money is still ours until then.
                let failedSum = failed.reduce(0) { $0 + $1.amount + $1.fee }
                if value + live + failedSum == received, !failed.isEmpty {
                    for refund in failed {
                        rows.append(
                            Row(
                                kind: "refund_failed", status: .unexplained, subject: "refund:\(refund.id.lowercased)",
                                detail: "order \(order.id.lowercased): Stripe did not refund it (\(refund.failureReason ?? "no reason given"))",
                                amountCents: refund.amount, ageSeconds: Int(now.timeIntervalSince(refund.createdAt))))
                    }
                } else {
                    rows.append(
                        Row(
                            kind: "payment_not_covered", status: .unexplained, subject: "order:\(order.id.lowercased)",
                            detail:
                                "captured \(received) ¢ (\(pi)); valid tickets \(tickets) × \(order.unitPrice) ¢ = \(value) ¢; refunds owed or made \(live) ¢",
                            amountCents: received - value - live, ageSeconds: nil))
                }
            }
            for refund in refunds where refund.state == .created || refund.state == .pending {
                rows.append(
                    Row(
                        kind: "refund_pending", status: .pending, subject: "refund:\(refund.id.lowercased)",
                        detail:
                            "order \(order.id.lowercased): \(refund.state == .created ? "not yet accepted by Stripe" : "accepted, not yet settled")",
                        amountCents: refund.amount, ageSeconds: Int(now.timeIntervalSince(refund.createdAt))))
            }
            checkAtStripe.append(
                (
                    order, pi, received, refunds.filter { $0.state == .pending || $0.state == .succeeded }.reduce(0) { $0 + $1.amount },
                    refunds.filter { $0.state == .created }.reduce(0) { $0 + $1.amount }
                ))
        }
        for refund in orphans {
            let age = Int(now.timeIntervalSince(refund.createdAt))
            if refund.state == .failed {
                rows.append(
                    Row(
                        kind: "refund_failed", status: .unexplained, subject: "refund:\(refund.id.lowercased)",
                        detail: "a payment of no order: Stripe did not refund it (\(refund.failureReason ?? "no reason given"))",
                        amountCents: refund.amount, ageSeconds: age))
            } else {
                rows.append(
                    Row(
                        kind: "refund_pending", status: .pending, subject: "refund:\(refund.id.lowercased)",
                        detail: "a payment of no order: \(refund.state == .created ? "not yet accepted by Stripe" : "accepted, not yet settled")",
                        amountCents: refund.amount, ageSeconds: age))
            }
        }
        for order in onAccount.0 {
            rows += Self.receivableRows(
                order: order, entry: onAccount.1[order.id], validTickets: valid[order.id] ?? 0,
                matchCancelled: onAccount.2[order.matchID]?.cancelled ?? false, notQueued: notQueued)
        }
        for order in tills.0 where order.state == .ticketsIssued {
            rows += Self.documentRows(
                order: order, received: order.amount, refunds: [], documents: tills.1[order.id] ?? [], notQueued: notQueued, now: now)
        }
        var stripeChecked = 0
        if stripe, self.payments.stripe != nil {
            let payments = self.payments
            let found = try await checkAtStripe.concurrentMap(limit: payments.refundConcurrency) {
                try await Self.compareWithStripe($0, payments: payments)
            }.compactMap { $0 }
            rows += found.sorted { $0.subject < $1.subject }
            stripeChecked = checkAtStripe.count
        }
        var byKind: [String: Int] = [:]
        for row in rows { byKind[row.kind, default: 0] += 1 }
        return Report(
            matchId: matchID, checkedAt: now, orders: orders.count, capturedCents: captured, refundedCents: refunded,
            validTickets: valid.values.reduce(0, +), stripeChecked: stripeChecked, unexplained: rows.filter { $0.status == .unexplained }.count,
            pending: rows.filter { $0.status == .pending }.count, byKind: byKind, rows: rows,
            notChecked: ["invoices and credit notes are compared with our record of what e-računi issued, not read back from e-računi"])
    }

    /// Stripe's account of one payment against ours: what it received, and what it refunded or is
    /// refunding. More at Stripe than we recorded as sent is fine while refunds we owe are still
    /// unanswered (a sender crashed between Stripe's answer and our record; it is sent again with
    /// the same key and Stripe answers the same refund).
    static func compareWithStripe(
        _ item: (order: Orders.Row, paymentIntent: String, received: Int, sent: Int, owed: Int), payments: Payments
    ) async throws -> Row? {
        let subject = "payment_intent:\(item.paymentIntent)"
        let view: (status: String, received: Int, refunded: Int)?
        do {
            view = try await payments.stripeView(paymentIntent: item.paymentIntent)
        } catch let failure as StripeClient.Failure {
            return Row(
                kind: "stripe_unreadable", status: .unexplained, subject: subject, detail: failure.description, amountCents: nil, ageSeconds: nil)
        }
        guard let view else { return nil }
        if view.status != "succeeded" || view.received != item.received {
            return Row(
                kind: "stripe_payment_mismatch", status: .unexplained, subject: subject,
                detail: "we captured \(item.received) ¢; Stripe: \(view.status), received \(view.received) ¢",
                amountCents: item.received - view.received, ageSeconds: nil)
        }
        if view.refunded < item.sent || view.refunded > item.sent + item.owed {
            return Row(
                kind: "stripe_refund_mismatch", status: .unexplained, subject: subject,
                detail: "we recorded \(item.sent) ¢ refunded (and \(item.owed) ¢ owed); Stripe refunded \(view.refunded) ¢",
                amountCents: view.refunded - item.sent, ageSeconds: nil)
        }
        return nil
    }
}
