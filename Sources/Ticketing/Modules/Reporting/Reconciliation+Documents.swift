import Foundation

extension Reconciliation {
    /// Accounting's side of one paid order: an invoice for the sale (of what was captured) and a
    /// credit note for every refund of its tickets that succeeded (of minus what went back), each
    /// issued, or queued (pending, with its age: the e-računi queue is hours long after a sell-out),
    /// or still in the outbox on its way to the queue. A refused document, a missing one and one of
    /// another amount are unexplained.
    static func documentRows(
        order: Orders.Row, received: Int, refunds: [Payments.Ledger.RefundLine], documents: [Invoicing.Document], notQueued: Set<String>,
        now: Date
    ) -> [Row] {
        var rows: [Row] = []
        func check(_ document: Invoicing.Document?, kind: String, subject: String, outboxID: String, amount: Int) {
            guard let document else {
                if notQueued.contains(outboxID) {
                    rows.append(
                        Row(
                            kind: "\(kind)_pending", status: .pending, subject: subject, detail: "on its way from the outbox to the e-računi queue",
                            amountCents: amount, ageSeconds: nil))
                } else {
                    rows.append(
                        Row(
                            kind: "\(kind)_missing", status: .unexplained, subject: subject,
                            detail: "no \(kind.replacingOccurrences(of: "_", with: " ")) queued or issued",
                            amountCents: amount, ageSeconds: nil))
                }
                return
            }
            let age = Int(now.timeIntervalSince(document.queuedAt))
            switch document.state {
            case .queued:
                rows.append(
                    Row(
                        kind: "\(kind)_pending", status: .pending, subject: subject,
                        detail: "queued for e-računi (document \(document.id), \(document.attempts) attempt(s))", amountCents: amount, ageSeconds: age
                    ))
            case .failed:
                rows.append(
                    Row(
                        kind: "\(kind)_failed", status: .unexplained, subject: subject,
                        detail: "e-računi refused document \(document.id): \(document.lastError ?? "no reason given")", amountCents: amount,
                        ageSeconds: age))
            case .issued:
                if document.amountCents != amount {
                    rows.append(
                        Row(
                            kind: "\(kind)_amount_mismatch", status: .unexplained, subject: subject,
                            detail: "\(document.number ?? "?") is for \(document.amountCents) ¢, the money moved was \(amount) ¢",
                            amountCents: amount - document.amountCents, ageSeconds: nil))
                }
            }
        }
        let invoice = documents.first { $0.kind == .invoice }
        check(invoice, kind: "invoice", subject: "order:\(order.id.lowercased)", outboxID: "order.completed:\(order.id.lowercased)", amount: received)
        for refund in refunds where refund.state == .succeeded && refund.source != .automatic {
            let note = documents.first { $0.refundId == refund.id }
            check(
                note, kind: "credit_note", subject: "refund:\(refund.id.lowercased)", outboxID: "payment.refunded:\(refund.id.lowercased)",
                amount: -refund.amount)
        }
        return rows
    }
}
