import Foundation
import HNSCore
import HNSPostgres
import Logging
import Metrics
import PostgresNIO

extension Invoicing.Kind {
    /// What e-računi calls this kind of document (a credit note is an invoice with negative amounts).
    var eRacuniType: ERacuniClient.DocumentType { self == .paymentOffer ? .salesQuote : .salesInvoice }
}

extension Invoicing {
    /// The head of the queue, with what its document needs.
    struct Queued: Sendable {
        let id: Int64
        let kind: Kind
        let reference: String
        let orderID: UUID
        let description: String
        let quantity: Int
        let unitPrice: Int
        let fee: Int
        let amount: Int
        let currency: String
        let occurredAt: Date
        let buyerEmail: String?
        /// A create went out at this time and its answer may have been lost.
        let createSentAt: Date?
        let due: Bool
        let attempts: Int
        /// For a credit note: the invoice it reverses, if queued at all.
        let invoiceState: State?
        let invoiceNumber: String?
        let invoiceDocumentID: String?
        /// For a payment offer: when the partner is to pay, and whether the order is still owed.
        let dueDate: String?
        let receivableState: String?
        /// `petrol` for a sale paid at a Petrol till; nil: by card through Stripe.
        let channel: String?
    }

    /// Sends queued documents in order, one at a time at e-računi's pace, while this instance holds
    /// the sender's lease; stops at the first document that must wait (throttled, e-računi away): the
    /// ones behind it would wait too, and a credit note never overtakes its invoice. Returns how many
    /// documents it settled.
    @discardableResult
    func sendQueued(limit: Int = 10_000) async throws -> Int {
        var settled = 0
        if let client = self.client {
            var leased = false
            while settled < limit, !Task.isCancelled {
                guard try await self.takeLease() else { break }
                leased = true
                guard let head = try await self.head(), head.due else { break }
                guard try await self.send(head, client: client) else { break }
                settled += 1
                if settled % 50 == 0 { try await self.recordBacklog() }
            }
            // Given back between rounds: a restarted or other instance goes on at once (a crashed
            // one's lease lapses).
            if leased { try await self.releaseLease() }
        }
        try await self.recordBacklog()
        return settled
    }

    private func releaseLease() async throws {
        try await self.postgres.query(
            "UPDATE invoicing.sender SET leased_until = NULL WHERE owner = \(self.owner)", logger: self.logger)
    }

    /// The backlog as metrics: how many documents wait and how old the oldest is.
    func recordBacklog() async throws {
        let (count, oldest) = try await self.backlog()
        Gauge(label: "hns_invoicing_backlog").record(count)
        Gauge(label: "hns_invoicing_backlog_oldest_seconds").record(oldest)
    }

    private func takeLease() async throws -> Bool {
        let rows = try await self.postgres.query(
            """
            UPDATE invoicing.sender SET owner = \(self.owner), leased_until = now() + make_interval(secs => \(self.settings.lease.seconds))
            WHERE owner = \(self.owner) OR leased_until IS NULL OR leased_until < now() RETURNING 1
            """, logger: self.logger)
        for try await _ in rows { return true }
        return false
    }

    func head() async throws -> Queued? {
        let rows = try await self.postgres.query(
            """
            SELECT d.id, d.kind, d.reference, d.order_id, d.description, d.quantity, d.unit_price_cents, d.fee_cents, d.amount_cents, d.currency,
                   d.occurred_at, d.buyer_email, d.create_sent_at, d.next_attempt_at <= now(), d.attempts, i.state, i.number, i.document_id,
                   r.due_date::text, r.state, d.payment_channel
            FROM invoicing.documents d LEFT JOIN invoicing.documents i ON i.id = d.reverses_id
                LEFT JOIN invoicing.receivables r ON d.kind = 'payment_offer' AND r.order_id = d.order_id
            WHERE d.state = 'queued' ORDER BY d.id LIMIT 1
            """, logger: self.logger)
        for try await row in rows {
            let r = row.makeRandomAccess()
            func col<T: PostgresDecodable>(_ i: Int, _: T.Type) throws -> T { try r[i].decode(T.self, context: .default) }
            return Queued(
                id: try col(0, Int64.self), kind: Kind(rawValue: try col(1, String.self)) ?? .invoice, reference: try col(2, String.self),
                orderID: try col(3, UUID.self), description: try col(4, String.self), quantity: try col(5, Int.self),
                unitPrice: try col(6, Int.self), fee: try col(7, Int.self), amount: try col(8, Int.self), currency: try col(9, String.self),
                occurredAt: try col(10, Date.self), buyerEmail: try col(11, String?.self), createSentAt: try col(12, Date?.self),
                due: try col(13, Bool.self), attempts: try col(14, Int.self), invoiceState: try col(15, String?.self).flatMap(State.init(rawValue:)),
                invoiceNumber: try col(16, String?.self), invoiceDocumentID: try col(17, String?.self), dueDate: try col(18, String?.self),
                receivableState: try col(19, String?.self), channel: try col(20, String?.self))
        }
        return nil
    }

    /// One document: found (a create whose answer was lost), created, or refused; false when it must
    /// wait (its next attempt is scheduled).
    private func send(_ head: Queued, client: ERacuniClient) async throws -> Bool {
        if head.kind == .creditNote, head.invoiceState != .issued || head.invoiceNumber == nil {
            // Its invoice was refused (or never queued): the storno of a document that does not exist
            // cannot be issued. Support retries both, the invoice first.
            try await self.fail(head, why: "the invoice it reverses is not issued (\(head.invoiceState?.rawValue ?? "none"))")
            return true
        }
        if head.kind == .paymentOffer, let state = head.receivableState, state != "open", head.createSentAt == nil {
            // Blocked or cancelled before its offer went out: the partner owes nothing, so none is made.
            try await self.fail(head, why: "not sent: the order is no longer owed (\(state))")
            return true
        }
        // Never a second create while the first may have been done: e-računi is asked for our
        // reference first, and only a document it does not know is created.
        if let sent = head.createSentAt {
            do {
                if let found = try await client.find(head.kind.eRacuniType, reference: head.reference, issuedFrom: sent.addingTimeInterval(-3600)) {
                    try await self.record(head, found, recovered: true)
                    return true
                }
            } catch let failure as ERacuniClient.Failure {
                try await self.postpone(head, error: failure, keepSent: true)
                return false
            }
        }
        try await self.postgres.query("UPDATE invoicing.documents SET create_sent_at = now() WHERE id = \(head.id)", logger: self.logger)
        let outcome: Result<ERacuniClient.Issued, ERacuniClient.Failure>
        do {
            outcome = .success(try await client.create(head.kind.eRacuniType, self.document(head)))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let issued):
            try await self.record(head, issued, recovered: false)
            return true
        case .failure(.refused(let why)):
            try await self.fail(head, why: why)
            return true
        case .failure(let failure):
            try await self.postpone(head, error: failure, keepSent: failure.mayHaveHappened)
            return false
        }
    }

    /// The `SalesInvoice` e-računi issues: a retail invoice (gross prices, VAT included) paid by card,
    /// which it fiscalizes; a credit note is the same with negative quantities, naming the invoice
    /// it reverses. A payment offer is a `SalesQuote` to the partner, paid by bank transfer by its
    /// due date: not fiscal, so no business unit or cash register.
    func document(_ head: Queued) -> JSONValue {
        func money(_ cents: Int) -> JSONValue { .number(Double(cents) / 100) }
        var items: [JSONValue] = [
            .object([
                "lineNumber": .number(1), "description": .string(head.description), "quantity": .number(Double(head.quantity)),
                "unit": .string("kom"), "price": money(head.unitPrice), "vatPercentage": .number(Double(self.settings.vatPercent)),
            ])
        ]
        if head.fee != 0 {
            items.append(
                .object([
                    "lineNumber": .number(2), "description": .string("Naknada za povrat ulaznica"), "quantity": .number(1), "unit": .string("kom"),
                    "price": money(head.fee), "vatPercentage": .number(Double(self.settings.vatPercent)),
                ]))
        }
        var invoice: [String: JSONValue] = [
            "date": .string(ERacuniClient.localDate(Date())), "dateOfSupplyFrom": .string(ERacuniClient.localDate(head.occurredAt)),
            "documentCurrency": .string(head.currency.uppercased()), "currencyCode": .string(head.currency.uppercased()),
            "documentLanguage": .string("Croatian"), "reference": .string(head.reference), "Items": .array(items),
        ]
        if let email = head.buyerEmail { invoice["buyerEMail"] = .string(email) }
        if head.kind == .paymentOffer {
            invoice["methodOfPayment"] = .string(self.settings.accountMethodOfPayment)
            if let due = head.dueDate {
                invoice["dateDue"] = .string(due)
                invoice["expirationDate"] = .string(due)
            }
            return .object(invoice)
        }
        invoice["type"] = .string("Retail")
        invoice["status"] = .string("IssuedInvoice")
        invoice["methodOfPayment"] = .string(head.channel == "petrol" ? self.settings.petrolMethodOfPayment : self.settings.methodOfPayment)
        if let unit = self.settings.businessUnit { invoice["businessUnit"] = .string(unit) }
        if let register = self.settings.cashRegisterCode { invoice["cashRegisterCode"] = .string(register) }
        if head.kind == .creditNote, let number = head.invoiceNumber {
            invoice["orderReference"] = .string(number)
            if let id = head.invoiceDocumentID { invoice["referenceDocumentID"] = .string(id) }
            invoice["remarks"] = .string("Storno računa \(number)")
        }
        return .object(invoice)
    }

    /// Records what e-računi issued; a document id another of ours already holds (e-računi answering
    /// one document for two references) cannot be recorded twice: failed, for an admin to look at,
    /// rather than blocking the queue.
    private func record(_ head: Queued, _ document: ERacuniClient.Issued, recovered: Bool) async throws {
        do {
            try await self.issued(head, document, recovered: recovered)
        } catch  where SQLState.isUniqueViolation(error) {
            try await self.fail(
                head, why: "e-računi answered document \(document.documentID) (\(document.number)), which another of our documents already records")
        }
    }

    private func issued(_ head: Queued, _ document: ERacuniClient.Issued, recovered: Bool) async throws {
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            var writes = PreparedWrites()
            writes.add(
                """
                UPDATE invoicing.documents SET state = 'issued', document_id = \(document.documentID), number = \(document.number),
                    document_date = \(document.date)::date, jir = \(document.jir), zki = \(document.zki), issued_at = now(), last_error = NULL,
                    attempts = attempts + 1
                WHERE id = \(head.id) AND state = 'queued'
                """)
            var data: [String: JSONValue] = [
                "document_id": .string(document.documentID), "number": .string(document.number), "amount_cents": .number(Double(head.amount)),
                "found_after_lost_answer": .bool(recovered),
            ]
            if let jir = document.jir { data["jir"] = .string(jir) }
            Audit.add(
                Audit.Entry(
                    domain: .payment, action: "\(head.kind.rawValue).issued", actor: .service("invoicing"),
                    subjects: ["\(head.kind.rawValue):\(head.id)", "order:\(head.orderID.lowercased)"], data: data), to: &writes)
            if head.kind == .paymentOffer {
                // The partner is told what to pay, by when, and what it refers to.
                let order = head.orderID.lowercased
                Outbox.add(
                    [
                        .init(
                            subject: "mail.payment_offer", msgID: "mail.payment_offer:\(order)",
                            payload: .object([
                                "template": .string("payment_offer"), "to": head.buyerEmail.map(JSONValue.string) ?? .null,
                                "order_id": .string(order), "offer_number": .string(document.number),
                                "amount_cents": .number(Double(head.amount)), "currency": .string(head.currency),
                                "due_date": head.dueDate.map(JSONValue.string) ?? .null,
                            ]))
                    ], to: &writes)
            }
            try await writes.run(on: connection, logger: self.logger)
        }
        Counter(label: "hns_invoicing_documents_total", dimensions: [("kind", head.kind.rawValue), ("outcome", "issued")]).increment()
    }

    private func fail(_ head: Queued, why: String) async throws {
        self.logger.error("e-računi refused a document", metadata: ["document": "\(head.id)", "reference": "\(head.reference)", "error": "\(why)"])
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            var writes = PreparedWrites()
            writes.add(
                """
                UPDATE invoicing.documents SET state = 'failed', last_error = \(why), attempts = attempts + 1, create_sent_at = NULL
                WHERE id = \(head.id) AND state = 'queued'
                """)
            Audit.add(
                Audit.Entry(
                    domain: .payment, action: "\(head.kind.rawValue).failed", actor: .service("invoicing"),
                    subjects: ["\(head.kind.rawValue):\(head.id)", "order:\(head.orderID.lowercased)"], data: ["error": .string(why)]),
                to: &writes)
            try await writes.run(on: connection, logger: self.logger)
        }
        Counter(label: "hns_invoicing_documents_total", dimensions: [("kind", head.kind.rawValue), ("outcome", "failed")]).increment()
    }

    /// The document waits: after a growing pause, and — when the request may have been done — at
    /// least the client's timeout, so the lost create has landed before it is looked for.
    private func postpone(_ head: Queued, error: any Error, keepSent: Bool) async throws {
        var delay = self.settings.backoff.delay(attempt: head.attempts + 1)
        if keepSent, let timeout = self.client?.timeout, delay < timeout { delay = timeout }
        let reason: String
        if let failure = error as? ERacuniClient.Failure {
            reason = failure.description
            let kind: String
            switch failure {
            case .throttled: kind = "throttled"
            case .unknown: kind = "unknown"
            default: kind = "unavailable"
            }
            Counter(label: "hns_invoicing_requests_failed_total", dimensions: [("kind", kind)]).increment()
        } else {
            reason = String(reflecting: error)
        }
        self.logger.warning(
            "e-računi document postponed", metadata: ["document": "\(head.id)", "error": "\(reason)", "retry_in": "\(delay)"])
        try await self.postgres.query(
            """
            UPDATE invoicing.documents SET attempts = attempts + 1, last_error = \(reason),
                next_attempt_at = now() + make_interval(secs => \(Double(delay.milliseconds) / 1000)),
                create_sent_at = CASE WHEN \(keepSent) THEN create_sent_at END
            WHERE id = \(head.id) AND state = 'queued'
            """, logger: self.logger)
    }
}
