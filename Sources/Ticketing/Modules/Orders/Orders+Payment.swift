import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO

/// E8: paying an order with a Stripe PaymentIntent, and what Stripe tells us afterwards.
extension Orders {
    struct PaymentStart: Encodable, Sendable {
        let order: Order
        let paymentIntentId: String
        let clientSecret: String
        let amountCents: Int
        let currency: String
    }

    func requireStripe() throws -> StripeClient {
        guard let stripe = self.stripe else {
            throw Problem.unavailable("Card payments are not configured (HNS_STRIPE_API_BASE, HNS_STRIPE_SECRET_KEY).")
        }
        return stripe
    }

    /// Creates (or, on a retry, finds) the order's PaymentIntent and protects its hold while the
    /// buyer pays. The Stripe call happens between two short transactions, never inside one; its
    /// idempotency key is the order id, so every retry gets the same PaymentIntent. `row` is the
    /// buyer's order as read without a lock: its state is checked again, locked, after Stripe answered.
    func startPayment(_ row: Row, buyer actor: Actor) async throws -> PaymentStart {
        let buyer = actor.id
        let stripe = try self.requireStripe()
        let orderID = row.id
        guard row.buyer == buyer else { throw OrdersError.notFound }
        switch row.state {
        case .seatsHeld, .awaitingPayment: break
        case .paid, .ticketsIssued, .partiallyRefunded: throw Problem(TicketingProblems.orderPaid, detail: "This order is already paid.")
        default:
            throw Problem(
                TicketingProblems.orderEnded, detail: "This order \(row.state.phrase); start a new one."
            )
        }
        if let ends = row.windowEndsAt, ends < Date() {
            throw Problem(.purchaseWindowEnded, detail: "Your purchase window has ended; join the queue again.")
        }
        let intent: StripeClient.PaymentIntent
        do {
            intent = try await stripe.createPaymentIntent(
                amountCents: row.amount, currency: row.currency, orderID: orderID, description: "HNS tickets, order \(orderID.lowercased)",
                idempotencyKey: "order-\(orderID.lowercased)-payment")
        } catch {
            self.logger.warning("PaymentIntent not created", metadata: ["order": "\(orderID)", "error": "\(error)"])
            throw Problem.unavailable("The payment service did not answer; try again in a moment.")
        }
        guard let secret = intent.clientSecret else { throw Problem.unavailable("The payment service answered without a client secret.") }

        // The order as the answer shows it, locked; then, if the payment starts here, the answer with
        // the state, PaymentIntent and hold expiry this transaction wrote.
        let (order, protected): (Order, Date?) = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let rows = try await connection.prepared(
                "\(unescaped: Self.viewSQL) WHERE o.id = \(orderID) ORDER BY a.position FOR UPDATE OF o", logger: self.logger)
            guard let now = try await Self.assemble(rows).first else { throw OrdersError.notFound }
            switch now.state {
            case .awaitingPayment:
                return (now, nil)
            case .paid where now.paymentIntentId == intent.id, .ticketsIssued where now.paymentIntentId == intent.id:
                // Confirmed and reported before this transaction ran (a fast client, or an
                // auto-confirming test double): the success path already recorded this PaymentIntent.
                // Read again below: after waiting on the sale's lock, only the order row here is new.
                return (now, nil)
            case .seatsHeld:
                var writes = PreparedWrites()
                let hold = self.inventory.addPaymentProtection(holdID: now.holdId, grace: self.paymentGrace, to: &writes)
                Payments.addIntent(id: intent.id, orderID: orderID, amountCents: row.amount, currency: row.currency, status: .created, to: &writes)
                let started = Audit.Entry(
                    domain: .payment, action: "payment.started", actor: actor,
                    subjects: ["payment_intent:\(intent.id)", "order:\(orderID.lowercased)"],
                    data: ["amount_cents": .number(Double(row.amount)), "currency": .string(row.currency)])
                let state = try Self.addTransitions(
                    orderID: orderID, matchID: row.matchID, from: .seatsHeld,
                    [(.paymentStarted, "PaymentIntent \(intent.id) created", actor)],
                    paymentIntent: intent.id, holdExpiry: hold, also: [started], to: &writes)
                let rows = try await writes.run(on: connection, select: "SELECT expires_at FROM \(hold)", logger: self.logger)
                guard let expires = try rows.first?.decode(Date.self) else { throw InventoryError.holdNotActive(state: "ended") }
                return (now.paying(state: state, paymentIntent: intent.id, holdExpiresAt: expires), expires)
            default:
                throw OrdersError.endedWhilePaying(now.state)
            }
        }
        if let protected { await self.inventory.followExpiry(holdID: row.holdID, matchID: row.matchID, expiresAt: protected) }
        let answer = order.state == .paid || order.state == .ticketsIssued ? try await self.order(id: orderID, buyer: buyer) : order
        return PaymentStart(order: answer, paymentIntentId: intent.id, clientSecret: secret, amountCents: row.amount, currency: row.currency)
    }

    // MARK: Stripe events

    /// The parts of a Stripe event we read. `data.object` is a PaymentIntent for the events we act on.
    struct StripeEvent: Decodable, Sendable {
        struct Object: Decodable, Sendable {
            let id: String
            let object: String?
            let amount: Int?
            let amountReceived: Int?
            let currency: String?
            let status: String?
            let metadata: [String: String]?
            /// A refund's, when it failed.
            let failureReason: String?
            enum CodingKeys: String, CodingKey {
                case id, object, amount
                case amountReceived = "amount_received"
                case currency, status, metadata
                case failureReason = "failure_reason"
            }
        }
        struct DataField: Decodable, Sendable { let object: Object }
        let id: String
        let type: String
        let data: DataField
    }

    typealias EventOutcome = Payments.EventOutcome

    /// Handles one Stripe event exactly once (by event id, recorded in the same transaction).
    @discardableResult
    func handle(event: StripeEvent) async throws -> EventOutcome {
        let object = event.data.object
        let orderID = object.metadata?["order_id"].flatMap(UUID.init(uuidString:))
        var afterCommit: [@Sendable () async -> Void] = []
        let outcome: EventOutcome = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            afterCommit = []
            // The event recorded (once: by its id) and its order locked, with the order's attendees (in
            // position order), in one statement.
            var first = PreparedWrites()
            let recorded = Payments.addEventRecord(
                id: event.id, type: event.type, paymentIntent: object.object == "payment_intent" ? object.id : nil,
                orderID: orderID, to: &first)
            let rows = try await first.run(
                on: connection,
                selecting: """
                    SELECT (SELECT count(*) FROM \(unescaped: recorded))::int, \(unescaped: Self.rowColumns.split(separator: ", ").map { "o." + $0 }.joined(separator: ", ")),
                           a.position, a.unit_id, a.first_name || ' ' || a.last_name, a.deliver_to_email, a.ticket_id
                    FROM orders.orders o LEFT JOIN orders.attendees a ON a.order_id = o.id
                    WHERE o.id = \(orderID) ORDER BY a.position FOR UPDATE OF o
                    """, logger: self.logger)
            var fresh: Bool?
            var order: Row?
            var attendees: [AttendeeRow] = []
            for raw in rows {
                let r = raw.makeRandomAccess()
                fresh = try r[0].decode(Int.self, context: .default) == 1
                order = try Row(r, offset: 1)
                if let position = try r[13].decode(Int?.self, context: .default) {
                    attendees.append(
                        AttendeeRow(
                            position: position, unitID: try r[14].decode(Int64.self, context: .default),
                            name: try r[15].decode(String.self, context: .default),
                            deliverToEmail: try r[16].decode(String?.self, context: .default),
                            ticketID: try r[17].decode(UUID.self, context: .default)))
                }
            }
            if fresh == nil {
                // No order of ours: whether the event was new is in its row (still 'processing' only in this transaction).
                fresh = try await Payments.isProcessing(connection, eventID: event.id, logger: self.logger)
            }
            guard fresh == true else { return .duplicate }
            let outcome: EventOutcome
            var writes = PreparedWrites()
            switch event.type {
            case "payment_intent.succeeded":
                outcome = try await self.paymentSucceeded(
                    connection, intent: object, order: order, attendees: attendees, eventID: event.id,
                    writes: &writes, afterCommit: &afterCommit)
            case "payment_intent.payment_failed", "payment_intent.canceled":
                outcome = try await self.paymentEnded(
                    connection, intent: object, order: order, failed: event.type.hasSuffix("failed"), writes: &writes,
                    afterCommit: &afterCommit)
            case "refund.created", "refund.updated",
                "refund.failed" where object.object == "refund":
                // Our refund (metadata.refund_id; else by Stripe's id) moves to what Stripe says.
                let changed = try await self.payments.apply(
                    connection, refundID: object.metadata?["refund_id"].flatMap(UUID.init(uuidString:)), stripeRefund: object.id,
                    status: object.status ?? "", failureReason: object.failureReason, actor: .service("stripe"))
                outcome = changed == nil ? .ignored : .refundUpdated
            default:
                outcome = .ignored
            }
            // The event's outcome, in one statement with whatever closing writes the handler left (a sale's).
            Payments.addOutcome(eventID: event.id, outcome, to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return outcome
        }
        for action in afterCommit { await action() }
        if outcome != .duplicate, outcome != .ignored {
            self.logger.info("Stripe event handled", metadata: ["event": "\(event.id)", "type": "\(event.type)", "outcome": "\(outcome.rawValue)"])
        }
        return outcome
    }

    /// An attendee as the sale needs it: the seat matched at order creation and the ticket's holder.
    struct AttendeeRow: Sendable {
        let position: Int
        let unitID: Int64
        let name: String
        let deliverToEmail: String?
        /// The id its ticket gets, chosen with the order.
        let ticketID: UUID
    }

    /// `order` is the event's order, locked, with its attendees. A sale leaves all its writes in
    /// `writes`, for the caller to send with its own as one statement.
    private func paymentSucceeded(
        _ connection: PostgresConnection, intent: StripeEvent.Object, order found: Row?, attendees: [AttendeeRow], eventID: String,
        writes: inout PreparedWrites, afterCommit: inout [@Sendable () async -> Void]
    ) async throws -> EventOutcome {
        let received = intent.amountReceived ?? intent.amount ?? 0
        let currency = (intent.currency ?? "").lowercased()
        guard let found else {
            // Money for no order of ours: give it back.
            try await self.payments.requestRefund(
                connection, orderID: nil, paymentIntent: intent.id, amount: received, reason: "no matching order", actor: .service("stripe"))
            return .unknownOrder
        }
        if found.state.wasPaid {
            if found.paymentIntent == intent.id { return .alreadyPaid }
            try await self.payments.requestRefund(
                connection, orderID: found.id, paymentIntent: intent.id, amount: received, reason: "order already paid by another payment",
                actor: .service("stripe"))
            return .refunded
        }
        var row = found
        if row.state == .seatsHeld, row.paymentIntent == nil {
            // Our PaymentIntent for this order (metadata.order_id) succeeded before `startPayment`
            // recorded it: record it now, the success path below takes it from there.
            let next = try await Self.transitions(
                connection, orderID: row.id, matchID: row.matchID, from: .seatsHeld,
                [(.paymentStarted, "PaymentIntent \(intent.id) reported before it was recorded", .service("stripe"))],
                paymentIntent: intent.id, logger: self.logger)
            row = Row(
                id: row.id, matchID: row.matchID, buyer: row.buyer, email: row.email, holdID: row.holdID, state: next, unitPrice: row.unitPrice,
                amount: row.amount, currency: row.currency, paymentIntent: intent.id, windowEndsAt: row.windowEndsAt, createdAt: row.createdAt)
        }
        // Our PaymentIntent succeeded, whatever becomes of the sale below (a refund included): with what
        // Stripe received, which a mismatched payment's refund returns.
        if row.paymentIntent == intent.id {
            Payments.addIntent(id: intent.id, orderID: row.id, amountCents: received, currency: currency, status: .succeeded, to: &writes)
        }
        if row.paymentIntent != intent.id || received != row.amount || currency != row.currency {
            try await self.payments.requestRefund(
                connection, orderID: row.id, paymentIntent: intent.id, amount: received,
                reason: "payment did not match the order (\(received) \(currency) for \(row.amount) \(row.currency))",
                actor: .service("stripe"))
            if row.state.isOpen {
                _ = try await Self.transition(
                    connection, orderID: row.id, matchID: row.matchID, from: row.state, .cancel,
                    reason: "payment did not match the order", actor: .service("stripe"), logger: self.logger)
                let (inventory, hold, redis, id, logger) = (self.inventory, row.holdID, self.redis, row.id, self.logger)
                afterCommit.append {
                    await OrderWatch.announce(id, redis: redis, logger: logger)
                    _ = try? await inventory.release(holdID: hold, buyer: nil, reason: .released, actor: .service("system:payment"))
                }
            }
            return .refunded
        }

        guard case .sold(let sale) = try await self.inventory.sell(on: connection, holdID: row.holdID, actor: .service("stripe")) else {
            try await self.payments.requestRefund(
                connection, orderID: row.id, paymentIntent: intent.id, amount: received,
                reason: "the seats were no longer available when the payment arrived", actor: .service("stripe"))
            try await Outbox.write(
                [
                    .init(
                        subject: "mail.payment_refunded", msgID: "mail.payment_refunded:\(row.id.lowercased)",
                        payload: .object([
                            "template": .string("payment_refunded"), "to": row.email.map(JSONValue.string) ?? .null, "user_id": .string(row.buyer),
                            "order_id": .string(row.id.lowercased), "amount_cents": .number(Double(received)),
                        ]))
                ], on: connection, logger: self.logger)
            return .refunded
        }
        let paid: Step =
            row.state.isOpen
            ? (.paymentSucceeded, "Stripe \(intent.id) succeeded", .service("stripe"))
            : (.lateSuccessReseated, "late payment \(intent.id): the same seats were still free", .service("stripe"))
        // The sector's counter first: of the parts no other part reads, PostgreSQL runs the last-added
        // first, so this hottest lock of a sale is taken at the end of the statement.
        self.inventory.add(sale.counts, to: &writes)
        self.inventory.add(sale, to: &writes)
        let sector = sale.sector
        let issued = Tickets.add(
            orderID: row.id, matchID: row.matchID, buyer: row.buyer, tickets: Self.newTickets(attendees, sale: sale), to: &writes)
        let succeeded = Audit.Entry(
            domain: .payment, action: "payment.succeeded", actor: .service("stripe"),
            subjects: ["payment_intent:\(intent.id)", "order:\(row.id.lowercased)"],
            data: ["amount_cents": .number(Double(received)), "currency": .string(currency)])
        _ = try Self.addTransitions(
            orderID: row.id, matchID: row.matchID, from: row.state,
            [paid, (.ticketsIssued, "\(issued.count) ticket(s) issued", .service("system"))],
            also: [succeeded, Tickets.entry(issued: issued, orderID: row.id, matchID: row.matchID)], to: &writes)
        let order = row.id.lowercased
        var messages: [Outbox.Message] = [
            .init(
                subject: "payment.succeeded", msgID: "payment.succeeded:\(intent.id)",
                payload: .object([
                    "order_id": .string(order), "payment_intent_id": .string(intent.id), "amount_cents": .number(Double(received)),
                    "currency": .string(currency),
                ])),
            .init(
                subject: "order.completed", msgID: "order.completed:\(order)",
                payload: .object([
                    "order_id": .string(order), "match_id": .number(Double(row.matchID)), "buyer_id": .string(row.buyer),
                    "buyer_email": row.email.map(JSONValue.string) ?? .null, "tickets": .number(Double(issued.count)),
                ]), job: true, invoice: true),
            .init(
                subject: "mail.order_confirmation", msgID: "mail.order_confirmation:\(order)",
                payload: .object([
                    "template": .string("order_confirmation"), "to": row.email.map(JSONValue.string) ?? .null, "user_id": .string(row.buyer),
                    "order_id": .string(order), "match_id": .number(Double(row.matchID)), "amount_cents": .number(Double(received)),
                    "tickets": .number(Double(issued.count)),
                ])),
        ]
        messages += Self.ticketMessages(issued, orderID: row.id, matchID: row.matchID, buyer: row.buyer)
        Outbox.add(messages, to: &writes)
        let (inventory, holdID, matchID, buyer, orderID) = (self.inventory, row.holdID, row.matchID, row.buyer, row.id)
        afterCommit.append {
            // With the availability push: the fan's queue window is done, so the slot frees for the next
            // in line (README, hns-queue); and the fan's long poll wakes.
            await inventory.afterSale(
                holdID: holdID, matchID: matchID, sector: sector,
                with: [
                    ["SADD", RESPArg(RedisKeys.shared.queueRelease(match: String(matchID))), RESPArg(buyer)], OrderWatch.announcement(orderID),
                ])
        }
        return .ticketsIssued
    }

    /// The tickets of a sale: attendees in position order were matched to the hold's seats at creation.
    static func newTickets(_ attendees: [AttendeeRow], sale: Inventory.Sale) -> [Tickets.NewTicket] {
        let seatByUnit = Dictionary(uniqueKeysWithValues: sale.seats.map { ($0.unitId, $0) })
        return attendees.map { a in
            let seat = seatByUnit[a.unitID]
            return Tickets.NewTicket(
                id: a.ticketID, unitID: a.unitID, position: a.position, holderName: a.name,
                sector: seat?.sector ?? sale.sector, row: seat?.row, seat: seat?.seat, deliverToEmail: a.deliverToEmail)
        }
    }

    /// Each issued ticket's event and job (and its delivery mail when it was sent to an email).
    static func ticketMessages(_ issued: [Tickets.Issued], orderID: UUID, matchID: Int64, buyer: String) -> [Outbox.Message] {
        let order = orderID.lowercased
        var messages: [Outbox.Message] = []
        for t in issued {
            messages.append(
                .init(
                    subject: "ticket.generated", msgID: "ticket.generated:\(t.id.uuidString.lowercased())",
                    payload: .object([
                        "ticket_id": .string(t.id.uuidString.lowercased()), "order_id": .string(order), "match_id": .number(Double(matchID)),
                        "position": .number(Double(t.position)), "holder_user_id": t.deliverToEmail == nil ? .string(buyer) : .null,
                        "deliver_to_email": t.deliverToEmail.map(JSONValue.string) ?? .null,
                    ]), job: true))
            if let email = t.deliverToEmail {
                messages.append(
                    .init(
                        subject: "mail.ticket_delivery", msgID: "mail.ticket_delivery:\(t.id.uuidString.lowercased())",
                        payload: .object([
                            "template": .string("ticket_delivery"), "to": .string(email), "order_id": .string(order),
                            "match_id": .number(Double(matchID)), "from_user_id": .string(buyer),
                        ])))
            }
        }
        return messages
    }

    private func paymentEnded(
        _ connection: PostgresConnection, intent: StripeEvent.Object, order: Row?, failed: Bool,
        writes: inout PreparedWrites, afterCommit: inout [@Sendable () async -> Void]
    ) async throws -> EventOutcome {
        guard let row = order else { return .unknownOrder }
        // The intent's record follows its events even when the order ended first (the buyer's cancel
        // or the hold's end cancel the PaymentIntent after the order): it is not ignored there.
        if row.paymentIntent == intent.id {
            Payments.addIntent(
                id: intent.id, orderID: row.id, amountCents: row.amount, currency: row.currency, status: failed ? .failed : .canceled,
                to: &writes)
        }
        guard row.state.isOpen, row.paymentIntent == nil || row.paymentIntent == intent.id else { return .ignored }
        let event: OrderState.Event = failed && row.state == .awaitingPayment ? .paymentFailed : .cancel
        let next = try await Self.transition(
            connection, orderID: row.id, matchID: row.matchID, from: row.state, event,
            reason: failed ? "Stripe: payment failed" : "Stripe: PaymentIntent canceled", actor: .service("stripe"),
            logger: self.logger)
        try await Outbox.write(
            [
                .init(
                    subject: failed ? "payment.failed" : "payment.canceled", msgID: "payment.ended:\(intent.id)",
                    payload: .object([
                        "order_id": .string(row.id.lowercased), "payment_intent_id": .string(intent.id), "order_state": .string(next.rawValue),
                    ]))
            ], on: connection, logger: self.logger)
        let (inventory, stripe, hold, pi, redis, id, logger) = (self.inventory, self.stripe, row.holdID, intent.id, self.redis, row.id, self.logger)
        afterCommit.append {
            await OrderWatch.announce(id, redis: redis, logger: logger)
            _ = try? await inventory.release(holdID: hold, buyer: nil, reason: .released, actor: .service("system:payment"))
            // A declined PaymentIntent could still be paid with another card; this order is over.
            if failed { _ = try? await stripe?.cancelPaymentIntent(pi, idempotencyKey: "cancel-\(pi)") }
        }
        return failed ? .failed : .cancelled
    }

    // MARK: Cancel, hold ends

    /// The buyer gives up an order that is not paid: its PaymentIntent is cancelled at Stripe
    /// first, so that it can no longer succeed, then the seats go back.
    func cancel(orderID: UUID, buyer actor: Actor) async throws -> Order {
        let buyer = actor.id
        let row = try await self.order(id: orderID, buyer: buyer)
        guard row.state.isOpen else {
            throw Problem(TicketingProblems.orderEnded, detail: "This order \(row.state.phrase) and can no longer be cancelled.")
        }
        if let pi = row.paymentIntentId {
            let stripe = try self.requireStripe()
            do {
                _ = try await stripe.cancelPaymentIntent(pi, idempotencyKey: "cancel-\(pi)")
            } catch StripeClient.Failure.rejected {
                // Already succeeded (or processing): the webhook decides; the order stays as it is.
                let intent = try? await stripe.paymentIntent(pi)
                if intent?.status == "succeeded", let intent {
                    try await self.handle(
                        event: .init(
                            id: "reconcile:\(pi):succeeded", type: "payment_intent.succeeded",
                            data: .init(object: .init(intent))))
                }
                throw Problem(TicketingProblems.orderPaid, detail: "The payment for this order has already gone through.")
            } catch {
                throw Problem.unavailable("The payment service did not answer; try again in a moment.")
            }
        }
        let hold: UUID? = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            guard let now = try await Self.lockedRow(connection, id: orderID, logger: self.logger), now.state.isOpen else { return nil }
            _ = try await Self.transition(
                connection, orderID: orderID, matchID: now.matchID, from: now.state, .cancel, reason: "cancelled by the buyer",
                actor: actor, logger: self.logger)
            try await Outbox.write(
                [
                    .init(
                        subject: "order.cancelled", msgID: "order.cancelled:\(orderID.lowercased)",
                        payload: .object([
                            "order_id": .string(orderID.lowercased), "match_id": .number(Double(now.matchID)), "reason": .string("buyer"),
                        ]))
                ], on: connection, logger: self.logger)
            return now.holdID
        }
        if let hold {
            await OrderWatch.announce(orderID, redis: self.redis, logger: self.logger)
            _ = try await self.inventory.release(holdID: hold, buyer: nil, reason: .released, actor: actor)
        }
        return try await self.order(id: orderID, buyer: buyer)
    }

    /// Inventory ended a hold without a sale: its open order ends with it. A PaymentIntent of an
    /// order that ends this way is cancelled at Stripe; should it have succeeded meanwhile, the
    /// webhook's late-success path re-takes the seats or refunds.
    static func holdEnded(
        postgres: PostgresClient, redis: RedisClient, stripe: StripeClient?, logger: Logger, holdID: UUID, reason: Inventory.EndReason
    ) async {
        do {
            let ended: (order: UUID, paymentIntent: String?)? = try await postgres.withRetryingTransaction(logger: logger) { connection in
                let ids = try await connection.prepared("SELECT id FROM orders.orders WHERE hold_id = \(holdID) FOR UPDATE", logger: logger)
                var orderID: UUID?
                for try await id in ids.decode(UUID.self) { orderID = id }
                guard let orderID, let row = try await Self.lockedRow(connection, id: orderID, logger: logger), row.state.isOpen else { return nil }
                let event: OrderState.Event = reason == .expired ? .expire : .cancel
                _ = try await Self.transition(
                    connection, orderID: orderID, matchID: row.matchID, from: row.state, event,
                    reason: reason == .expired ? "the hold ran out" : "the hold was released",
                    actor: .service("system:inventory"), logger: logger)
                try await Outbox.write(
                    [
                        .init(
                            subject: reason == .expired ? "order.expired" : "order.cancelled", msgID: "order.ended:\(orderID.lowercased)",
                            payload: .object([
                                "order_id": .string(orderID.lowercased), "match_id": .number(Double(row.matchID)), "reason": .string(reason.rawValue),
                            ]))
                    ], on: connection, logger: logger)
                return (orderID, row.paymentIntent)
            }
            guard let ended else { return }
            await OrderWatch.announce(ended.order, redis: redis, logger: logger)
            if let pi = ended.paymentIntent { _ = try? await stripe?.cancelPaymentIntent(pi, idempotencyKey: "cancel-\(pi)") }
        } catch {
            logger.warning("order not ended with its hold; the reconciler will retry", metadata: ["hold": "\(holdID)", "error": "\(error)"])
        }
    }
}

extension Orders.StripeEvent.Object {
    init(_ intent: StripeClient.PaymentIntent) {
        self.init(
            id: intent.id, object: "payment_intent", amount: intent.amount, amountReceived: intent.amountReceived,
            currency: intent.currency, status: intent.status, metadata: intent.metadata, failureReason: nil)
    }
}
