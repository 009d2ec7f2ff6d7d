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

extension Reconciliation {
    /// One order on a partner's account: it is owed (a receivable with its payment offer), paid (with
    /// the invoice accounting made, of its amount), or closed with no valid ticket left. Money a
    /// partner paid for tickets already blocked is unexplained: it goes back by hand.
    static func receivableRows(
        order: Orders.Row, entry: Receivables.Ledger?, validTickets: Int, matchCancelled: Bool, notQueued: Set<String>
    ) -> [Row] {
        let subject = "order:\(order.id.lowercased)"
        func row(_ kind: String, _ status: Status, _ detail: String, _ amount: Int? = nil) -> Row {
            Row(kind: kind, status: status, subject: subject, detail: detail, amountCents: amount ?? order.amount, ageSeconds: nil)
        }
        guard let entry else {
            return notQueued.contains("order.completed:\(order.id.lowercased)")
                ? [row("receivable_pending", .pending, "on its way from the outbox to the collection queue")]
                : [row("receivable_missing", .unexplained, "issued on account, but nothing records what the partner owes")]
        }
        var rows: [Row] = []
        // A closed order's offer may never have gone out (nothing was owed any more).
        let closed = entry.state == .blocked || entry.state == .cancelled
        switch closed ? .issued : entry.offerState {
        case nil: rows.append(row("payment_offer_missing", .unexplained, "no payment offer queued or issued"))
        case .queued?: rows.append(row("payment_offer_pending", .pending, "the payment offer is queued for e-računi"))
        case .failed?: rows.append(row("payment_offer_failed", .unexplained, "e-računi refused the payment offer"))
        case .issued?: break
        }
        switch entry.state {
        case .open:
            if validTickets == 0 {
                rows.append(
                    matchCancelled
                        ? row("receivable_closing", .pending, "its match was cancelled; the next collection round closes it")
                        : row("owed_without_tickets", .unexplained, "still owed, but no ticket of it is valid"))
            }
        case .paid:
            if entry.invoiceState != .issued {
                rows.append(row("invoice_missing", .unexplained, "paid, but no invoice from e-računi is recorded"))
            } else if let invoiced = entry.invoiceCents, invoiced != entry.amountCents {
                rows.append(
                    row(
                        "invoice_amount_mismatch", .unexplained, "the invoice is for \(invoiced) ¢, the order \(entry.amountCents) ¢",
                        entry.amountCents - invoiced))
            }
        case .blocked, .cancelled:
            if validTickets > 0 {
                rows.append(row("closed_with_valid_tickets", .unexplained, "\(entry.state.rawValue), but \(validTickets) ticket(s) still valid"))
            }
            if entry.paidCents > 0 {
                rows.append(
                    row(
                        "paid_after_close", .unexplained,
                        "the partner paid \(entry.paidCents) ¢ after the order was \(entry.state.rawValue): return it", entry.paidCents))
            }
        }
        return rows
    }
}
