import Foundation
import HNSCore
import HNSPostgres
import Logging
import Metrics
import PostgresNIO

/// E8, deferred payment collection: what partners owe for quota orders issued on their account.
/// Each such order is offered for payment in e-računi (a pro-forma queued with the invoices); HNS
/// accounting turns the offer into an invoice and records the partner's payment there. A round of
/// `collect` pulls those invoices back (one `SalesInvoiceList` since the oldest open offer), marks
/// orders paid when their invoice's payments cover them, reminds partners past their due date, and
/// blocks the tickets of orders still unpaid at the configured time before kick-off (void, their
/// seats back on sale). A cancelled match's open receivables close with nothing owed.
struct Receivables: Sendable {
    let postgres: PostgresClient
    let invoicing: Invoicing
    let inventory: Inventory
    let logger: Logger
    var clock: WallClock = .system

    enum State: String, Codable, Sendable, CaseIterable {
        case open, paid, blocked, cancelled
    }

    struct DocumentRef: EncodesNilAsNull, Sendable, Equatable {
        let id: Int64
        let state: String
        let number: String?
        let documentId: String?
    }

    struct Receivable: EncodesNilAsNull, Sendable, Equatable {
        let orderId: UUID
        let matchId: Int64
        let buyerId: String
        let buyerEmail: String?
        let amountCents: Int
        let currency: String
        let dueDate: String
        let state: State
        let overdue: Bool
        let daysOverdue: Int
        let paidCents: Int
        let paidAt: Date?
        let closedAt: Date?
        let reminders: Int
        let lastRemindedAt: Date?
        let offer: DocumentRef?
        let invoice: DocumentRef?
    }

    struct Totals: Encodable, Sendable, Equatable {
        var openOrders = 0
        var openCents = 0
        var overdueOrders = 0
        var overdueCents = 0
        var paidOrders = 0
        var paidCents = 0
        var blockedOrders = 0
        var blockedCents = 0
        var cancelledOrders = 0
    }

    struct Listing: Encodable, Sendable {
        let totals: Totals
        let receivables: [Receivable]
    }

    enum ReceivableError: Error {
        case notFound
        case notOpen(State)
    }

    /// Zagreb's date today, as SQL: due dates are calendar days there.
    static let today = "(now() AT TIME ZONE 'Europe/Zagreb')::date"

    // MARK: Reading

    /// Receivables of a match (or all), filtered by state (`overdue`: open and past due), oldest due first.
    func list(matchID: Int64?, filter: String?, limit: Int = 1000) async throws -> Listing {
        try await self.postgres.withReadSnapshot(logger: self.logger) { connection in
            let totals = try await Self.totals(connection, matchID: matchID, from: nil, to: nil, logger: self.logger)
            let rows = try await connection.query(
                """
                SELECT r.order_id, r.match_id, r.buyer_id, r.buyer_email, r.amount_cents, r.currency, r.due_date::text, r.state,
                       r.state = 'open' AND r.due_date < \(unescaped: Self.today), greatest(0, \(unescaped: Self.today) - r.due_date)::int,
                       r.paid_cents, r.paid_at, r.closed_at, r.reminders, r.last_reminded_at,
                       o.id, o.state, o.number, o.document_id, i.id, i.state, i.number, i.document_id
                FROM invoicing.receivables r
                    LEFT JOIN invoicing.documents o ON o.order_id = r.order_id AND o.kind = 'payment_offer'
                    LEFT JOIN invoicing.documents i ON i.order_id = r.order_id AND i.kind = 'invoice'
                WHERE (\(matchID)::bigint IS NULL OR r.match_id = \(matchID))
                  AND (\(filter)::text IS NULL OR r.state = \(filter)
                       OR (\(filter) = 'overdue' AND r.state = 'open' AND r.due_date < \(unescaped: Self.today)))
                ORDER BY r.due_date, r.order_id LIMIT \(limit)
                """, logger: self.logger)
            var out: [Receivable] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                func col<T: PostgresDecodable>(_ i: Int, _: T.Type) throws -> T { try r[i].decode(T.self, context: .default) }
                func ref(_ i: Int) throws -> DocumentRef? {
                    guard let id = try col(i, Int64?.self) else { return nil }
                    return DocumentRef(
                        id: id, state: try col(i + 1, String.self), number: try col(i + 2, String?.self), documentId: try col(i + 3, String?.self))
                }
                let state = try col(7, String.self)
                let overdue = try col(8, Bool.self)
                out.append(
                    Receivable(
                        orderId: try col(0, UUID.self), matchId: try col(1, Int64.self), buyerId: try col(2, String.self),
                        buyerEmail: try col(3, String?.self), amountCents: try col(4, Int.self), currency: try col(5, String.self),
                        dueDate: try col(6, String.self), state: State(rawValue: state) ?? .open, overdue: overdue,
                        daysOverdue: overdue ? try col(9, Int.self) : 0, paidCents: try col(10, Int.self), paidAt: try col(11, Date?.self),
                        closedAt: try col(12, Date?.self), reminders: try col(13, Int.self), lastRemindedAt: try col(14, Date?.self),
                        offer: try ref(15), invoice: try ref(19)))
            }
            return Listing(totals: totals, receivables: out)
        }
    }

    /// Counts and sums by state, of one match or all, for deferred orders issued in a period (the
    /// financial report's, on its snapshot).
    static func totals(_ connection: PostgresConnection, matchID: Int64?, from: Date?, to: Date?, logger: Logger) async throws -> Totals {
        let rows = try await connection.query(
            """
            SELECT state, state = 'open' AND due_date < \(unescaped: Self.today), count(*)::int, coalesce(sum(amount_cents), 0)::bigint
            FROM invoicing.receivables
            WHERE (\(matchID)::bigint IS NULL OR match_id = \(matchID))
              AND (\(from)::timestamptz IS NULL OR created_at >= \(from)) AND (\(to)::timestamptz IS NULL OR created_at < \(to))
            GROUP BY 1, 2
            """, logger: logger)
        var totals = Totals()
        for try await (state, overdue, count, amount) in rows.decode((String, Bool, Int, Int).self) {
            switch State(rawValue: state) {
            case .open:
                totals.openOrders += count
                totals.openCents += amount
                if overdue {
                    totals.overdueOrders += count
                    totals.overdueCents += amount
                }
            case .paid:
                totals.paidOrders += count
                totals.paidCents += amount
            case .blocked:
                totals.blockedOrders += count
                totals.blockedCents += amount
            case .cancelled, nil:
                totals.cancelledOrders += count
            }
        }
        return totals
    }

    /// A receivable as the reconciliation checks it: its state and money, and its two documents.
    struct Ledger: Sendable {
        let state: State
        let amountCents: Int
        let paidCents: Int
        let offerState: Invoicing.State?
        let invoiceState: Invoicing.State?
        let invoiceCents: Int?
    }

    static func ledger(_ connection: PostgresConnection, orderIDs: [UUID], logger: Logger) async throws -> [UUID: Ledger] {
        guard !orderIDs.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT r.order_id, r.state, r.amount_cents, r.paid_cents, o.state, i.state, i.amount_cents
            FROM invoicing.receivables r
                LEFT JOIN invoicing.documents o ON o.order_id = r.order_id AND o.kind = 'payment_offer'
                LEFT JOIN invoicing.documents i ON i.order_id = r.order_id AND i.kind = 'invoice'
            WHERE r.order_id = ANY(\(orderIDs))
            """, logger: logger)
        var out: [UUID: Ledger] = [:]
        for try await (id, state, amount, paid, offer, invoice, invoiced) in rows.decode((UUID, String, Int, Int, String?, String?, Int?).self) {
            out[id] = Ledger(
                state: State(rawValue: state) ?? .open, amountCents: amount, paidCents: paid, offerState: offer.flatMap(Invoicing.State.init),
                invoiceState: invoice.flatMap(Invoicing.State.init), invoiceCents: invoiced)
        }
        return out
    }

    // MARK: A round

    /// One round of collection; returns what it did (for logs and tests).
    @discardableResult
    func collect() async throws -> (paid: Int, reminded: Int, blocked: Int, cancelled: Int) {
        let paid = try await self.pullBack()
        let (blocked, cancelled) = try await self.closeBeforeKickoff()
        let reminded = try await self.remindOverdue()
        let open = try await self.postgres.withConnection { try await Self.totals($0, matchID: nil, from: nil, to: nil, logger: self.logger) }
        Gauge(label: "hns_receivables_open_cents").record(open.openCents)
        Gauge(label: "hns_receivables_overdue_cents").record(open.overdueCents)
        return (paid, reminded, blocked, cancelled)
    }

    /// Invoices accounting made from our offers, pulled back with their payments: one list request
    /// since the oldest open offer (at the account's pace, shared with the document queue).
    func pullBack() async throws -> Int {
        guard let client = self.invoicing.client else { return 0 }
        let since = try await self.postgres.query(
            """
            SELECT min(o.issued_at) FROM invoicing.receivables r
                JOIN invoicing.documents o ON o.order_id = r.order_id AND o.kind = 'payment_offer' AND o.state = 'issued'
            WHERE r.state = 'open'
            """, logger: self.logger)
        var oldest: Date?
        for try await at in since.decode(Date?.self) { oldest = at }
        guard let oldest else { return 0 }
        let items: [JSONValue]
        do {
            items = try await client.list(.salesInvoice, issuedFrom: oldest.addingTimeInterval(-3600))
        } catch {
            self.logger.warning("e-računi's invoices not read for collection", metadata: ["error": "\(error)"])
            return 0
        }
        var paid = 0
        for item in items {
            guard let reference = item["reference"]?.stringValue, reference.hasPrefix("HNS-P-"),
                let orderID = UUID(uuidString: String(reference.dropFirst(6))), let invoice = ERacuniClient.Issued(item)
            else { continue }
            if try await self.record(orderID: orderID, invoice: invoice, paidCents: Self.paidCents(item)) { paid += 1 }
        }
        return paid
    }

    /// What e-računi's payment records on a document add up to, in cents.
    static func paidCents(_ item: JSONValue) -> Int {
        guard case .array(let records)? = item["PaymentRecords"] else { return 0 }
        var cents = 0
        for record in records {
            let amount: Double? =
                switch record["paymentAmount"] {
                case .number(let n)?: n
                case .string(let s)?: Double(s.replacingOccurrences(of: ",", with: "."))
                default: nil
                }
            if let amount { cents += Int((amount * 100).rounded()) }
        }
        return cents
    }

    /// The order's invoice recorded (once) and its payments; paid in full, the receivable closes, the
    /// partner's credit is freed and the bus told. True when it became paid now.
    private func record(orderID: UUID, invoice: ERacuniClient.Issued, paidCents: Int) async throws -> Bool {
        let becamePaid = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> Bool in
            let rows = try await connection.query(
                """
                SELECT r.state, r.amount_cents, r.paid_cents, r.match_id, o.id, i.id IS NOT NULL
                FROM invoicing.receivables r
                    JOIN invoicing.documents o ON o.order_id = r.order_id AND o.kind = 'payment_offer'
                    LEFT JOIN invoicing.documents i ON i.order_id = r.order_id AND i.kind = 'invoice'
                WHERE r.order_id = \(orderID) FOR UPDATE OF r
                """, logger: self.logger)
            var found: (String, Int, Int, Int64, Int64, Bool)?
            for try await row in rows.decode((String, Int, Int, Int64, Int64, Bool).self) { found = row }
            guard let (state, amount, alreadyPaid, matchID, offerID, hasInvoice) = found else { return false }
            var writes = PreparedWrites()
            let subjects = ["order:\(orderID.lowercased)", "match:\(matchID)"]
            if !hasInvoice {
                writes.add(
                    """
                    INSERT INTO invoicing.documents (kind, reference, order_id, match_id, buyer_id, buyer_email, description, quantity,
                        unit_price_cents, amount_cents, currency, occurred_at, state, document_id, number, document_date, jir, zki, issued_at,
                        offer_id)
                    SELECT 'invoice', 'HNS-O-' || o.order_id::text, o.order_id, o.match_id, o.buyer_id, o.buyer_email, o.description, o.quantity,
                        o.unit_price_cents, o.amount_cents, o.currency, now(), 'issued', \(invoice.documentID), \(invoice.number),
                        \(invoice.date)::date, \(invoice.jir), \(invoice.zki), now(), o.id
                    FROM invoicing.documents o WHERE o.id = \(offerID)
                    ON CONFLICT DO NOTHING
                    """)
                Audit.add(
                    Audit.Entry(
                        domain: .payment, action: "invoice.pulled_back", actor: .service("invoicing:collection"), subjects: subjects,
                        data: ["document_id": .string(invoice.documentID), "number": .string(invoice.number), "offer_id": .number(Double(offerID))]),
                    to: &writes)
            }
            let open = State(rawValue: state) == .open
            let nowPaid = open && paidCents >= amount
            if paidCents != alreadyPaid || nowPaid {
                writes.add(
                    """
                    UPDATE invoicing.receivables SET paid_cents = \(paidCents),
                        state = CASE WHEN \(nowPaid) THEN 'paid' ELSE state END,
                        paid_at = CASE WHEN \(nowPaid) THEN now() ELSE paid_at END,
                        closed_at = CASE WHEN \(nowPaid) THEN now() ELSE closed_at END
                    WHERE order_id = \(orderID)
                    """)
                // A payment for tickets already blocked is money to give back by hand: said loudly.
                let action = nowPaid ? "receivable.paid" : open ? "receivable.paid_in_part" : "receivable.paid_after_close"
                Audit.add(
                    Audit.Entry(
                        domain: .payment, action: action, actor: .service("invoicing:collection"), subjects: subjects,
                        data: ["paid_cents": .number(Double(paidCents)), "amount_cents": .number(Double(amount)), "state": .string(state)]),
                    to: &writes)
                if !open { self.logger.error("a partner paid for an order no longer open", metadata: ["order": "\(orderID)", "state": "\(state)"]) }
            }
            if nowPaid {
                Quotas.addCreditReleased(orderID: orderID, to: &writes)
                Outbox.add(
                    [
                        .init(
                            subject: "order.paid_on_account", msgID: "order.paid_on_account:\(orderID.lowercased)",
                            payload: .object([
                                "order_id": .string(orderID.lowercased), "match_id": .number(Double(matchID)),
                                "amount_cents": .number(Double(amount)), "invoice_number": .string(invoice.number),
                            ]))
                    ], to: &writes)
            }
            if writes.count > 0 { try await writes.run(on: connection, logger: self.logger) }
            return nowPaid
        }
        if becamePaid { Counter(label: "hns_receivables_total", dimensions: [("outcome", "paid")]).increment() }
        return becamePaid
    }

    /// Open receivables of matches about to kick off (unpaid at `blockBefore`) are blocked; those of
    /// cancelled matches close with nothing owed (their tickets were void by the cancellation).
    func closeBeforeKickoff(batch: Int = 100) async throws -> (blocked: Int, cancelled: Int) {
        let (matches, kickoffs) = try await self.postgres.withConnection { connection in
            let rows = try await connection.query(
                "SELECT DISTINCT match_id FROM invoicing.receivables WHERE state = 'open'", logger: self.logger)
            var ids: [Int64] = []
            for try await id in rows.decode(Int64.self) { ids.append(id) }
            return (ids, try await Matches.kickoffs(connection, ids: ids, logger: self.logger))
        }
        let now = self.clock.now
        let before = Double(self.invoicing.settings.blockBefore.milliseconds) / 1000
        var (blocked, cancelled) = (0, 0)
        for match in matches {
            guard let kickoff = kickoffs[match] else { continue }
            if kickoff.cancelled {
                cancelled += try await self.cancelOpen(matchID: match)
            } else if now >= kickoff.at.addingTimeInterval(-before) {
                for orderID in try await self.openOrders(matchID: match, limit: batch) where try await self.block(orderID: orderID) {
                    blocked += 1
                }
            }
        }
        return (blocked, cancelled)
    }

    private func openOrders(matchID: Int64, limit: Int) async throws -> [UUID] {
        let rows = try await self.postgres.query(
            "SELECT order_id FROM invoicing.receivables WHERE match_id = \(matchID) AND state = 'open' ORDER BY order_id LIMIT \(limit)",
            logger: self.logger)
        var out: [UUID] = []
        for try await id in rows.decode(UUID.self) { out.append(id) }
        return out
    }

    /// One unpaid order blocked: in one transaction its tickets void, the order cancelled, its seats
    /// back on sale, the partner's credit freed, the receivable closed; then availability follows.
    private func block(orderID: UUID) async throws -> Bool {
        let actor = Actor.service("invoicing:collection")
        let done: (matchID: Int64, sectors: [String])? = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let rows = try await connection.query(
                "SELECT amount_cents FROM invoicing.receivables WHERE order_id = \(orderID) AND state = 'open' FOR UPDATE", logger: self.logger)
            var amount: Int?
            for try await a in rows.decode(Int.self) { amount = a }
            guard let amount else { return nil }
            var writes = PreparedWrites()
            let voided = try await Orders.addVoidUnpaid(
                connection, orderID: orderID, reason: "not paid before the block", actor: actor, to: &writes, logger: self.logger)
            writes.add("UPDATE invoicing.receivables SET state = 'blocked', closed_at = now() WHERE order_id = \(orderID)")
            Quotas.addCreditReleased(orderID: orderID, to: &writes)
            Audit.add(
                Audit.Entry(
                    domain: .payment, action: "receivable.blocked", actor: actor, subjects: ["order:\(orderID.lowercased)"],
                    data: ["amount_cents": .number(Double(amount)), "tickets_voided": .number(Double(voided?.units.count ?? 0))]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            guard let voided else { return nil }
            let sectors = try await self.inventory.returnSold(
                connection, matchID: voided.matchID, units: voided.units, blockReason: nil, actor: actor)
            return (voided.matchID, sectors)
        }
        guard let done else { return false }
        await self.inventory.afterReturn(matchID: done.matchID, sectors: done.sectors)
        Counter(label: "hns_receivables_total", dimensions: [("outcome", "blocked")]).increment()
        return true
    }

    private func cancelOpen(matchID: Int64) async throws -> Int {
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE invoicing.receivables SET state = 'cancelled', closed_at = now()
                WHERE match_id = \(matchID) AND state = 'open' RETURNING order_id, amount_cents
                """, logger: self.logger)
            var writes = PreparedWrites()
            var count = 0
            for try await (orderID, amount) in rows.decode((UUID, Int).self) {
                Quotas.addCreditReleased(orderID: orderID, to: &writes)
                Audit.add(
                    Audit.Entry(
                        domain: .payment, action: "receivable.cancelled", actor: .service("invoicing:collection"),
                        subjects: ["order:\(orderID.lowercased)", "match:\(matchID)"],
                        data: ["amount_cents": .number(Double(amount)), "reason": .string("match cancelled")]), to: &writes)
                count += 1
            }
            if writes.count > 0 { try await writes.run(on: connection, logger: self.logger) }
            return count
        }
    }

    // MARK: Reminders

    /// Partners past their due date whose offer went out are reminded, each at most every `remindEvery`.
    func remindOverdue(limit: Int = 200) async throws -> Int {
        try await self.remind(only: nil, limit: limit, actor: .service("invoicing:collection"))
    }

    /// An admin reminds one partner now (whether or not it is due yet).
    func remind(orderID: UUID, actor: Actor) async throws -> Receivable {
        let state = try await self.postgres.query("SELECT state FROM invoicing.receivables WHERE order_id = \(orderID)", logger: self.logger)
        var found: State?
        for try await s in state.decode(String.self) { found = State(rawValue: s) }
        guard let found else { throw ReceivableError.notFound }
        guard found == .open else { throw ReceivableError.notOpen(found) }
        _ = try await self.remind(only: orderID, limit: 1, actor: actor)
        guard let now = try await self.list(matchID: nil, filter: nil).receivables.first(where: { $0.orderId == orderID }) else {
            throw ReceivableError.notFound
        }
        return now
    }

    /// Reminds `only` that open receivable, or those due a reminder: counted, mailed and audited in one
    /// transaction.
    private func remind(only orderID: UUID?, limit: Int, actor: Actor) async throws -> Int {
        let every = Double(self.invoicing.settings.remindEvery.milliseconds) / 1000
        return try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let rows = try await connection.query(
                """
                WITH chosen AS (
                    SELECT r.order_id FROM invoicing.receivables r
                    WHERE r.state = 'open' AND (r.order_id = \(orderID) OR (\(orderID)::uuid IS NULL AND r.due_date < \(unescaped: Self.today)
                        AND (r.last_reminded_at IS NULL OR r.last_reminded_at < now() - make_interval(secs => \(every)))
                        AND EXISTS (SELECT 1 FROM invoicing.documents o WHERE o.order_id = r.order_id AND o.kind = 'payment_offer' AND o.state = 'issued')))
                    ORDER BY r.due_date LIMIT \(limit) FOR UPDATE OF r SKIP LOCKED)
                UPDATE invoicing.receivables r SET reminders = r.reminders + 1, last_reminded_at = now()
                FROM chosen WHERE r.order_id = chosen.order_id
                RETURNING r.order_id, r.match_id, r.buyer_email, r.amount_cents, r.currency, r.due_date::text, r.reminders,
                    (SELECT o.number FROM invoicing.documents o WHERE o.order_id = r.order_id AND o.kind = 'payment_offer')
                """, logger: self.logger)
            var messages: [Outbox.Message] = []
            var entries: [Audit.Entry] = []
            for try await (orderID, matchID, email, amount, currency, due, n, number) in rows.decode(
                (UUID, Int64, String?, Int, String, String, Int, String?).self)
            {
                let order = orderID.lowercased
                messages.append(
                    .init(
                        subject: "mail.payment_reminder", msgID: "mail.payment_reminder:\(order):\(n)",
                        payload: .object([
                            "template": .string("payment_reminder"), "to": email.map(JSONValue.string) ?? .null, "order_id": .string(order),
                            "match_id": .number(Double(matchID)), "amount_cents": .number(Double(amount)), "currency": .string(currency),
                            "due_date": .string(due), "offer_number": number.map(JSONValue.string) ?? .null, "reminder": .number(Double(n)),
                        ])))
                entries.append(
                    Audit.Entry(
                        domain: .payment, action: "receivable.reminded", actor: actor, subjects: ["order:\(order)", "match:\(matchID)"],
                        data: ["reminder": .number(Double(n)), "due_date": .string(due)]))
            }
            try await Outbox.write(messages, on: connection, logger: self.logger)
            try await Audit.write(entries, on: connection, logger: self.logger)
            return messages.count
        }
    }
}
