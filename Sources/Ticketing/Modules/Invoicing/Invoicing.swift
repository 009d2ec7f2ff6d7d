import Foundation
import HNSCore
import HNSPostgres
import Logging
import Metrics
import PostgresNIO

/// E8: the documents accounting owes for our sales — an invoice for every paid order, a credit note
/// (a storno: negative quantities, its own number, linked to the invoice it reverses) for every
/// refund of an order's tickets — made in e-računi, which fiscalizes them. The outbox brings each
/// sale and refund here in order (`enqueue`); one sender at a time sends them at the account's pace
/// (`sendQueued`), so the queue after a sell-out is hours long by design.
struct Invoicing: Sendable {
    let postgres: PostgresClient
    /// Nil when e-računi is not configured: documents are still queued, and wait.
    let client: ERacuniClient?
    let logger: Logger
    var settings = Settings()
    /// This instance's name on the sender's lease.
    var owner = "invoicing-" + UUID().uuidString.lowercased()

    struct Settings: Sendable {
        /// VAT included in ticket prices (Croatia's general rate).
        var vatPercent = 25
        /// How e-računi books a card payment through Stripe (a fiscalized method).
        var methodOfPayment = "Stripe"
        /// The fiscal business unit and cash register the documents are issued at, when e-računi
        /// asks for them (set up in e-računi).
        var businessUnit: String?
        var cashRegisterCode: String?
        /// Pauses after a throttled, unreachable or unanswered request (the first ones at least the
        /// account's window, so a throttled account recovers).
        var backoff = Backoff(base: .seconds(4), maximum: .seconds(300))
        /// How long a buyer's download may wait for a slot of the pace before being told to come back.
        var downloadWait: Duration = .seconds(5)
        /// How long the sender's lease lasts past its last document.
        var lease: Duration = .seconds(120)
        /// Deferred orders (a partner's account): days the partner has to pay, how e-računi books the
        /// payment (a bank transfer), and when unpaid tickets are blocked (this long before kick-off;
        /// the due date is never later). Overdue partners are reminded every `remindEvery`.
        var paymentDays = 14
        var accountMethodOfPayment = "BankTransfer"
        /// How e-računi books a sale paid at a Petrol till.
        var petrolMethodOfPayment = "Other"
        var blockBefore: Duration = .seconds(48 * 3600)
        var remindEvery: Duration = .seconds(3 * 86400)
    }

    enum Kind: String, Codable, Sendable {
        case invoice
        case creditNote = "credit_note"
        /// A pro-forma for a partner's deferred order (a `SalesQuote` in e-računi): not fiscal.
        case paymentOffer = "payment_offer"
    }

    enum State: String, Codable, Sendable, CaseIterable {
        case queued, issued, failed
    }

    /// A document as admins and the reconciliation read it.
    struct Document: EncodesNilAsNull, Sendable, Equatable {
        let id: Int64
        let kind: Kind
        let reference: String
        let orderId: UUID
        let refundId: UUID?
        let reversesId: Int64?
        let matchId: Int64
        let amountCents: Int
        let currency: String
        let state: State
        let attempts: Int
        let lastError: String?
        let documentId: String?
        let number: String?
        let documentDate: String?
        let jir: String?
        let zki: String?
        let queuedAt: Date
        let issuedAt: Date?
        /// An invoice pulled back from e-računi: the payment offer it was made from.
        let offerId: Int64?
    }

    static let documentColumns = """
        id, kind, reference, order_id, refund_id, reverses_id, match_id, amount_cents, currency, state, attempts, last_error, document_id,
        number, document_date::text, jir, zki, queued_at, issued_at, offer_id
        """

    static func decodeDocuments(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [Document] {
        var out: [Document] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func col<T: PostgresDecodable>(_ i: Int, _: T.Type) throws -> T { try r[i].decode(T.self, context: .default) }
            out.append(
                Document(
                    id: try col(0, Int64.self), kind: Kind(rawValue: try col(1, String.self)) ?? .invoice, reference: try col(2, String.self),
                    orderId: try col(3, UUID.self), refundId: try col(4, UUID?.self), reversesId: try col(5, Int64?.self),
                    matchId: try col(6, Int64.self), amountCents: try col(7, Int.self), currency: try col(8, String.self),
                    state: State(rawValue: try col(9, String.self)) ?? .queued, attempts: try col(10, Int.self),
                    lastError: try col(11, String?.self), documentId: try col(12, String?.self), number: try col(13, String?.self),
                    documentDate: try col(14, String?.self), jir: try col(15, String?.self), zki: try col(16, String?.self),
                    queuedAt: try col(17, Date.self), issuedAt: try col(18, Date?.self), offerId: try col(19, Int64?.self)))
        }
        return out
    }

    // MARK: From the outbox into the queue

    /// Sales (`order.completed`) and refunds of tickets (`payment.refunded`) relayed from the outbox,
    /// queued in the relay's transaction and in its order. The document copies what was sold or
    /// refunded now; a message queued before (a relay retry) changes nothing. A sale on a partner's
    /// account is owed a payment offer instead of an invoice, and becomes a receivable.
    func enqueue(_ connection: PostgresConnection, _ messages: [OutboxRelay.Leased]) async throws {
        struct Owed {
            let message: OutboxRelay.Leased
            let orderID: UUID
            let refundID: UUID?
            let deferred: Bool
            let channel: String
        }
        var owed: [Owed] = []
        for message in messages {
            let payload = try? JSONDecoder().decode(JSONValue.self, from: Data(message.payload.utf8))
            guard let order = payload?["order_id"]?.stringValue.flatMap(UUID.init(uuidString:)) else {
                self.logger.error("outbox message owed a document names no order", metadata: ["msg_id": "\(message.msgID)"])
                continue
            }
            let refund = message.subject == "payment.refunded" ? payload?["refund_id"]?.stringValue.flatMap(UUID.init(uuidString:)) : nil
            if message.subject == "payment.refunded", refund == nil { continue }
            let terms = message.subject == "order.completed" ? payload?["payment_terms"]?.stringValue : nil
            owed.append(
                Owed(
                    message: message, orderID: order, refundID: refund, deferred: terms == Orders.PaymentTerms.deferred.rawValue,
                    channel: terms == Orders.PaymentTerms.petrol.rawValue ? "petrol" : ""))
        }
        guard !owed.isEmpty else { return }
        let orders = try await Orders.rows(connection, ids: Array(Set(owed.map(\.orderID))), logger: self.logger)
        let refunds = try await Payments.refunds(connection, ids: owed.compactMap(\.refundID), logger: self.logger)
        let matchIDs = Array(Set(orders.values.map(\.matchID)))
        let titles = try await Matches.titles(connection, ids: matchIDs, logger: self.logger)
        let kickoffs = owed.contains(where: \.deferred) ? try await Matches.kickoffs(connection, ids: matchIDs, logger: self.logger) : [:]
        var invoices = NewDocuments()
        var notes = NewDocuments()
        var offers = NewDocuments()
        var entries: [Audit.Entry] = []
        for item in owed {
            guard let order = orders[item.orderID] else {
                self.logger.error("document owed for an unknown order", metadata: ["order": "\(item.orderID)"])
                continue
            }
            let title = "Ulaznica: " + (titles[order.matchID] ?? "utakmica \(order.matchID)")
            if let refundID = item.refundID {
                guard let refund = refunds[refundID] else { continue }
                // The tickets refunded at their price, and the fee kept as a line of its own; a refund
                // that is not a whole number of tickets is reversed as one line of its amount.
                let gross = refund.amountCents + refund.feeCents
                let tickets = refund.ticketIds.isEmpty ? (order.unitPrice > 0 ? gross / order.unitPrice : 0) : refund.ticketIds.count
                let whole = tickets > 0 && tickets * order.unitPrice == gross
                let (count, unit, fee) = whole ? (-tickets, order.unitPrice, refund.feeCents) : (-1, refund.amountCents, 0)
                notes.add(
                    reference: "HNS-R-" + refundID.lowercased, order: order, refundID: refundID, description: "Storno: " + title,
                    quantity: count, unit: unit, fee: fee, amount: -refund.amountCents, at: item.message.createdAt)
                entries.append(
                    Audit.Entry(
                        domain: .payment, action: "credit_note.queued", actor: .service("invoicing"),
                        subjects: ["refund:\(refundID.lowercased)", "order:\(order.id.lowercased)"],
                        data: ["amount_cents": .number(Double(-refund.amountCents))]))
            } else if item.deferred {
                let due = self.dueDate(issued: item.message.createdAt, kickoff: kickoffs[order.matchID]?.at)
                let quantity = order.unitPrice > 0 && order.amount % order.unitPrice == 0 ? order.amount / order.unitPrice : 1
                offers.add(
                    reference: "HNS-P-" + order.id.lowercased, order: order, refundID: nil, description: title, quantity: quantity,
                    unit: quantity == 1 ? order.amount : order.unitPrice, fee: 0, amount: order.amount, at: item.message.createdAt, due: due)
                entries.append(
                    Audit.Entry(
                        domain: .payment, action: "payment_offer.queued", actor: .service("invoicing"), subjects: ["order:\(order.id.lowercased)"],
                        data: ["amount_cents": .number(Double(order.amount)), "due_date": .string(due)]))
            } else {
                let quantity = order.unitPrice > 0 && order.amount % order.unitPrice == 0 ? order.amount / order.unitPrice : 1
                invoices.add(
                    reference: "HNS-O-" + order.id.lowercased, order: order, refundID: nil, description: title, quantity: quantity,
                    unit: quantity == 1 ? order.amount : order.unitPrice, fee: 0, amount: order.amount, at: item.message.createdAt,
                    channel: item.channel)
                entries.append(
                    Audit.Entry(
                        domain: .payment, action: "invoice.queued", actor: .service("invoicing"), subjects: ["order:\(order.id.lowercased)"],
                        data: ["amount_cents": .number(Double(order.amount))]))
            }
        }
        // Invoices first, in a statement of their own: a credit note in the same batch finds the
        // invoice it reverses.
        for (kind, new) in [(Kind.invoice, invoices), (Kind.creditNote, notes), (Kind.paymentOffer, offers)] where !new.references.isEmpty {
            try await connection.query(
                """
                INSERT INTO invoicing.documents (kind, reference, order_id, refund_id, reverses_id, match_id, buyer_id, buyer_email, description,
                    quantity, unit_price_cents, fee_cents, amount_cents, currency, occurred_at, payment_channel)
                SELECT \(kind.rawValue), n.reference, n.order_id, nullif(n.refund_id, '')::uuid,
                    CASE WHEN n.refund_id <> '' THEN (SELECT i.id FROM invoicing.documents i WHERE i.order_id = n.order_id AND i.kind = 'invoice') END,
                    n.match_id, n.buyer_id, nullif(n.buyer_email, ''), n.description, n.quantity, n.unit_price, n.fee, n.amount, n.currency, n.occurred_at,
                    nullif(n.channel, '')
                FROM unnest(\(new.references)::text[], \(new.orderIDs)::uuid[], \(new.refundIDs)::text[], \(new.matchIDs)::bigint[],
                    \(new.buyers)::text[], \(new.emails)::text[], \(new.descriptions)::text[], \(new.quantities)::int[], \(new.units)::bigint[],
                    \(new.fees)::bigint[], \(new.amounts)::bigint[], \(new.currencies)::text[], \(new.times)::timestamptz[], \(new.channels)::text[])
                    WITH ORDINALITY AS n(reference, order_id, refund_id, match_id, buyer_id, buyer_email, description, quantity, unit_price, fee,
                        amount, currency, occurred_at, channel, position)
                ORDER BY n.position
                ON CONFLICT (reference) DO NOTHING
                """, logger: self.logger)
        }
        if !offers.references.isEmpty {
            try await connection.query(
                """
                INSERT INTO invoicing.receivables (order_id, match_id, buyer_id, buyer_email, amount_cents, currency, due_date)
                SELECT o, m, b, nullif(e, ''), a, c, d
                FROM unnest(\(offers.orderIDs)::uuid[], \(offers.matchIDs)::bigint[], \(offers.buyers)::text[], \(offers.emails)::text[],
                    \(offers.amounts)::bigint[], \(offers.currencies)::text[], \(offers.dueDates)::date[]) AS n(o, m, b, e, a, c, d)
                ON CONFLICT (order_id) DO NOTHING
                """, logger: self.logger)
        }
        try await Audit.write(entries, on: connection, logger: self.logger)
    }

    /// A deferred order's due date (Zagreb's calendar): `paymentDays` after it was issued, but no later
    /// than the day before its tickets would be blocked, and never before the day it was issued.
    func dueDate(issued: Date, kickoff: Date?) -> String {
        var due = issued.addingTimeInterval(TimeInterval(self.settings.paymentDays) * 86400)
        if let kickoff {
            let block = kickoff.addingTimeInterval(-Double(self.settings.blockBefore.milliseconds) / 1000)
            due = min(due, block.addingTimeInterval(-86400))
        }
        return ERacuniClient.localDate(max(due, issued))
    }

    /// Documents to queue, column by column (one INSERT for a whole batch).
    private struct NewDocuments {
        var references: [String] = []
        var orderIDs: [UUID] = []
        /// A sale's invoice has none: empty in the array, NULL in the row.
        var refundIDs: [String] = []
        var matchIDs: [Int64] = []
        var buyers: [String] = []
        var emails: [String] = []
        var descriptions: [String] = []
        var quantities: [Int32] = []
        var units: [Int64] = []
        var fees: [Int64] = []
        var amounts: [Int64] = []
        var currencies: [String] = []
        var times: [Date] = []
        /// Offers only: when the partner is to pay.
        var dueDates: [String] = []
        /// Where the money was taken when not by card through Stripe (`petrol`); empty: card.
        var channels: [String] = []

        mutating func add(
            reference: String, order: Orders.Row, refundID: UUID?, description: String, quantity: Int, unit: Int, fee: Int, amount: Int, at: Date,
            due: String? = nil, channel: String = ""
        ) {
            if let due { self.dueDates.append(due) }
            self.channels.append(channel)
            self.references.append(reference)
            self.orderIDs.append(order.id)
            self.refundIDs.append(refundID?.lowercased ?? "")
            self.matchIDs.append(order.matchID)
            self.buyers.append(order.buyer)
            self.emails.append(order.email ?? "")
            self.descriptions.append(description)
            self.quantities.append(Int32(quantity))
            self.units.append(Int64(unit))
            self.fees.append(Int64(fee))
            self.amounts.append(Int64(amount))
            self.currencies.append(order.currency)
            self.times.append(at)
        }
    }

    // MARK: Reading

    func documents(state: State?, orderID: UUID?, limit: Int = 500) async throws -> [Document] {
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Self.documentColumns) FROM invoicing.documents
            WHERE (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)) AND (\(orderID)::uuid IS NULL OR order_id = \(orderID))
            ORDER BY id LIMIT \(limit)
            """, logger: self.logger)
        return try await Self.decodeDocuments(rows)
    }

    /// How many documents wait, and how long the oldest has waited.
    func backlog() async throws -> (count: Int, oldestSeconds: Double) {
        let rows = try await self.postgres.query(
            """
            SELECT count(*)::int, coalesce(extract(epoch FROM now() - min(queued_at)), 0)::float8
            FROM invoicing.documents WHERE state = 'queued'
            """, logger: self.logger)
        for try await (count, oldest) in rows.decode((Int, Double).self) { return (count, oldest) }
        return (0, 0)
    }

    /// The documents of orders, for the reconciliation (on its snapshot).
    static func ledger(_ connection: PostgresConnection, orderIDs: [UUID], logger: Logger) async throws -> [UUID: [Document]] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.documentColumns) FROM invoicing.documents WHERE order_id = ANY(\(orderIDs))", logger: logger)
        return Dictionary(grouping: try await Self.decodeDocuments(rows), by: \.orderId)
    }

    enum InvoicingError: Error, Equatable {
        case notFound
        /// Queued (or waiting for someone to retry it): not issued yet.
        case notIssued(State)
        case notFailed(State)
        /// e-računi cannot be asked right now (its pace is taken, or it is away).
        case unavailable(String)
    }

    /// Admins send a failed document again: it goes back to its place in the queue (the head, since
    /// it is older than what waits), and its next create looks for it first if one may have gone out.
    func retry(id: Int64, actor: Actor) async throws -> Document {
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.documentColumns) FROM invoicing.documents WHERE id = \(id) FOR UPDATE", logger: self.logger)
            guard let document = try await Self.decodeDocuments(rows).first else { throw InvoicingError.notFound }
            guard document.state == .failed else { throw InvoicingError.notFailed(document.state) }
            var writes = PreparedWrites()
            writes.add(
                """
                UPDATE invoicing.documents SET state = 'queued', attempts = 0, next_attempt_at = '-infinity',
                    reverses_id = coalesce(reverses_id, (SELECT i.id FROM invoicing.documents i WHERE i.order_id = \(document.orderId) AND i.kind = 'invoice'))
                WHERE id = \(id)
                """)
            Audit.add(
                Audit.Entry(
                    domain: .payment, action: "\(document.kind.rawValue).retried", actor: actor, subjects: Self.subjects(of: document),
                    data: ["last_error": document.lastError.map(JSONValue.string) ?? .null]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            let reread = try await connection.query(
                "SELECT \(unescaped: Self.documentColumns) FROM invoicing.documents WHERE id = \(id)", logger: self.logger)
            return try await Self.decodeDocuments(reread).first!
        }
    }

    static func subjects(of document: Document) -> [String] {
        var subjects = ["\(document.kind.rawValue):\(document.id)", "order:\(document.orderId.lowercased)"]
        if let refund = document.refundId { subjects.append("refund:\(refund.lowercased)") }
        return subjects
    }

    /// The invoice of a buyer's order as a PDF: fetched from e-računi once, then kept.
    func invoicePDF(orderID: UUID, buyer: String) async throws -> (number: String, pdf: [UInt8]) {
        let rows = try await self.postgres.query(
            """
            SELECT d.id, d.state, d.document_id, d.number, p.pdf FROM invoicing.documents d LEFT JOIN invoicing.pdfs p ON p.document_id = d.id
            WHERE d.order_id = \(orderID) AND d.kind = 'invoice' AND d.buyer_id = \(buyer)
            """, logger: self.logger)
        var found: (Int64, String, String?, String?, Data?)?
        for try await row in rows.decode((Int64, String, String?, String?, Data?).self) { found = row }
        guard let (id, stored, documentID, number, cached) = found else { throw InvoicingError.notFound }
        let state = State(rawValue: stored) ?? .queued
        guard state == .issued, let documentID, let number else { throw InvoicingError.notIssued(state) }
        if let cached { return (number, Array(cached)) }
        guard let client = self.client else { throw InvoicingError.unavailable("e-računi is not configured") }
        let pdf: [UInt8]
        do {
            pdf = try await client.pdf(documentID: documentID, waitingAtMost: self.settings.downloadWait)
        } catch {
            throw InvoicingError.unavailable(error.description)
        }
        try await self.postgres.query(
            "INSERT INTO invoicing.pdfs (document_id, pdf) VALUES (\(id), \(Data(pdf))) ON CONFLICT (document_id) DO NOTHING", logger: self.logger)
        return (number, pdf)
    }
}

extension Invoicing {
    struct Total: Sendable {
        let kind: Kind
        let state: State
        let count: Int
        let amount: Int
    }

    /// Documents by kind and state, of one match or all, for sales and refunds of a period
    /// (`from` ≤ time < `to`, by when the money moved).
    static func totals(_ connection: PostgresConnection, matchID: Int64?, from: Date?, to: Date?, logger: Logger) async throws -> [Total] {
        let rows = try await connection.query(
            """
            SELECT kind, state, count(*)::int, coalesce(sum(amount_cents), 0)::bigint FROM invoicing.documents
            WHERE (\(matchID)::bigint IS NULL OR match_id = \(matchID))
              AND (\(from)::timestamptz IS NULL OR occurred_at >= \(from)) AND (\(to)::timestamptz IS NULL OR occurred_at < \(to))
            GROUP BY kind, state ORDER BY kind, state
            """, logger: logger)
        var out: [Total] = []
        for try await (kind, state, count, amount) in rows.decode((String, String, Int, Int).self) {
            out.append(Total(kind: Kind(rawValue: kind) ?? .invoice, state: State(rawValue: state) ?? .queued, count: count, amount: amount))
        }
        return out
    }
}
