import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO
import ServiceLifecycle

/// E4 + E8: the purchase saga. An order sells the seats of one hold to the attendees named on it;
/// its payment is a Stripe PaymentIntent whose outcome arrives as a webhook (router → bus →
/// `/webhooks/stripe`). The success path — seats sold, order paid, tickets issued, events written —
/// is one transaction, so there is never a ticket without a captured payment; a payment that finds
/// no seats is refunded.
struct Orders: Sendable {
    let postgres: PostgresClient
    let redis: RedisClient
    let inventory: Inventory
    let tickets: Tickets
    let blacklist: Blacklist
    let payments: Payments
    var stripe: StripeClient? { self.payments.stripe }
    let holdTTL: Duration
    /// How long past its 15 minutes a hold whose payment is under way waits for the outcome.
    let paymentGrace: Duration
    /// How often a waiting request (`?wait=N`) re-reads its order anyway: it bounds the wait when an
    /// announcement was lost (`HNS_ORDER_WAIT_RECHECK`).
    let longPollRecheck: Duration
    let logger: Logger
    /// Requests waiting for their order to settle (`GET /orders/{id}?wait=N`).
    let watch = OrderWatch()

    // MARK: Types

    struct Attendee: Codable, Sendable, Equatable {
        var person: PersonIdentity
        var deliverToEmail: String?

        enum CodingKeys: String, CodingKey { case deliverToEmail = "deliver_to_email" }

        init(person: PersonIdentity, deliverToEmail: String?) {
            self.person = person
            self.deliverToEmail = deliverToEmail
        }

        init(from decoder: any Decoder) throws {
            self.person = try PersonIdentity(from: decoder)
            self.deliverToEmail = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .deliverToEmail)
        }

        func encode(to encoder: any Encoder) throws {
            try self.person.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(self.deliverToEmail, forKey: .deliverToEmail)
        }

        /// One person, one ticket per match: by OIB, else by passport.
        var personKey: String { self.person.key }
    }

    struct Create: Decodable, Sendable {
        var holdId: UUID?
        var attendees: [Attendee]?
        enum CodingKeys: String, CodingKey {
            case holdId = "hold_id"
            case attendees
        }
    }

    struct OrderSeat: Codable, Sendable, Equatable {
        let unitId: Int64
        let sector: String
        let row: String?
        let seat: String?
        let attendee: String
    }

    struct Order: Encodable, Sendable {
        let id: UUID
        let matchId: Int64
        let buyerId: String
        let holdId: UUID
        let state: OrderState
        let unitPriceCents: Int
        let amountCents: Int
        let currency: String
        let paymentIntentId: String?
        let windowEndsAt: Date?
        let holdExpiresAt: Date?
        let createdAt: Date
        let seats: [OrderSeat]
        let tickets: [TicketRef]

        /// The order as it reads once its payment has started.
        func paying(state: OrderState, paymentIntent: String, holdExpiresAt: Date) -> Order {
            Order(
                id: self.id, matchId: self.matchId, buyerId: self.buyerId, holdId: self.holdId, state: state, unitPriceCents: self.unitPriceCents,
                amountCents: self.amountCents, currency: self.currency, paymentIntentId: paymentIntent, windowEndsAt: self.windowEndsAt,
                holdExpiresAt: holdExpiresAt, createdAt: self.createdAt, seats: self.seats, tickets: self.tickets)
        }
    }

    /// A ticket as the order shows it: the QR value only ever appears in the wallet.
    struct TicketRef: Encodable, Sendable, Equatable {
        let id: UUID
        let position: Int
        let deliverToEmail: String?
    }

    // MARK: Create

    /// Validated attendees, or every problem with its field (`attendees[1].oib`).
    static func validate(_ body: Create) throws -> (UUID, [Attendee]) {
        var errors: [Problem.FieldError] = []
        if body.holdId == nil { errors.append(.init(field: "hold_id", message: "is required")) }
        let attendees = Self.validate(attendees: body.attendees, errors: &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (body.holdId!, attendees)
    }

    /// Ticket holders normalized, with every problem added to `errors` by field (`attendees[1].oib`):
    /// at least one, each a valid identity, no person twice.
    static func validate(attendees list: [Attendee]?, errors: inout [Problem.FieldError]) -> [Attendee] {
        let attendees = (list ?? []).map { a in
            var copy = a
            copy.person = a.person.normalized()
            copy.deliverToEmail = a.deliverToEmail?.trimmingCharacters(in: .whitespaces).nilIfEmpty
            return copy
        }
        if attendees.isEmpty { errors.append(.init(field: "attendees", message: "name one ticket holder per seat")) }
        var keys: [String: Int] = [:]
        for (i, a) in attendees.enumerated() {
            errors += a.person.validate(prefix: "attendees[\(i)].")
            if let email = a.deliverToEmail, !Self.looksLikeEmail(email) {
                errors.append(.init(field: "attendees[\(i)].deliver_to_email", message: "is not an email address"))
            }
            if let first = keys[a.personKey] {
                errors.append(.init(field: "attendees[\(i)]", message: "is the same person as attendees[\(first)]; one ticket per person"))
            } else {
                keys[a.personKey] = i
            }
        }
        return attendees
    }

    static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !s.contains(" ") && s.count <= 254
    }

    /// Creates the order for the buyer's active hold: one attendee per seat, each checked against
    /// the blacklist and the one-ticket-per-person rule for the match. `gate` is the queue's gate for
    /// the hold's match (asked in the transaction, so it must not wait on I/O): the purchase token whose
    /// window bounds the order, or nil when the match has no active queue. Returns the answer (the
    /// order as JSON), recorded for `key` in the same transaction.
    func create(
        buyer actor: Actor, email: String?, holdID: UUID, attendees: [Attendee], key: Idempotency.Key? = nil,
        gate: @escaping @Sendable (Int64) async throws -> PurchaseToken?
    ) async throws -> [UInt8] {
        let outcome: Result<[UInt8], BlacklistRefusal> = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let hold = try await self.inventory.holdForOrder(on: connection, holdID: holdID, buyer: actor.id)
            let window = try await gate(hold.matchID).map { (id: $0.tokenID, endsAt: $0.windowEndsAt) }
            return try await self.place(
                on: connection, buyer: actor, email: email, holdID: holdID, hold: hold, attendees: attendees, window: window,
                unitPrice: hold.unitPriceCents, terms: .card, key: key
            ).map(\.answer)
        }
        switch outcome {
        case .success(let answer): return answer
        case .failure(let refusal):
            // A retry that comes after the refusal was stored (its key answered) is not a new attempt and
            // is not recorded again; two copies in flight at once may both record it.
            if try await key?.answered() != true {
                await self.blacklist.record(refusal.hits, attendees: attendees.map(\.person), matchID: refusal.matchID, buyer: actor)
            }
            throw OrdersError.refused(attendees: refusal.hits.map(\.attendeeIndex))
        }
    }

    /// How an order is settled (`orders.payment_terms`).
    enum PaymentTerms: String, Sendable, Codable {
        /// A Stripe PaymentIntent (the buyer pays after placing the order).
        case card
        /// On a partner's account: tickets issued at once, valid while unpaid (a deferred quota).
        case deferred
        /// Nothing to pay (a free quota).
        case free
        /// Paid at a Petrol station's till (E12): tickets issued when the clerk confirms.
        case petrol
    }

    /// An order placed (not yet committed): its answer and what issuing its tickets needs.
    struct Placed: Sendable {
        let id: UUID
        let matchID: Int64
        let amount: Int
        let answer: [UInt8]
        let attendees: [AttendeeRow]
    }

    /// Places the order for `hold` (read and locked on `connection`) in the caller's transaction: one
    /// attendee per seat, each checked against the blacklist and the one-ticket-per-person rule for the
    /// match across every channel. `window` is the queue's purchase window bounding it, if any.
    func place(
        on connection: PostgresConnection, buyer actor: Actor, email: String?, holdID: UUID, hold: Inventory.HoldForOrder,
        attendees: [Attendee], window: (id: String, endsAt: Date)?, unitPrice: Int, terms: PaymentTerms, key: Idempotency.Key?
    ) async throws -> Result<Placed, BlacklistRefusal> {
        let buyer = actor.id
        guard attendees.count == hold.seats.count else {
            throw Problem.validation(field: "attendees", "the hold has \(hold.seats.count) seat(s); name exactly one ticket holder per seat")
        }
        let hits = try await self.blacklist.check(on: connection, attendees: attendees.map(\.person))
        if !hits.isEmpty { return .failure(BlacklistRefusal(hits: hits, matchID: hold.matchID)) }

        // One ticket per person per match, across concurrent orders: lock each person's key.
        let keys = attendees.map(\.personKey)
        // In one statement, taken in key order (the subquery's ORDER BY), so two orders never deadlock.
        let lockKeys = keys.sorted().map { String(hold.matchID) + "|" + $0 }
        try await connection.prepared(
            """
            SELECT pg_advisory_xact_lock(hashtextextended(k, 7))
            FROM (SELECT k FROM unnest(\(lockKeys)::text[]) AS k ORDER BY k) AS ordered
            """, logger: self.logger)
        // Whether the hold has its order already, and which of these people have a ticket or an
        // open order for the match, in one read (after the locks: a concurrent order is committed).
        // Each person is looked up on their own (the LIMIT keeps the lateral subquery a per-person
        // index lookup on both columns of `attendees_person`): a plan that filtered the keys instead
        // would read every attendee of the match, and a generic plan made while a match has no
        // attendees yet chose exactly that for `person_key = ANY(...)`.
        let taken = try await connection.prepared(
            """
            SELECT 'hold', NULL FROM orders.orders WHERE hold_id = \(holdID)
            UNION ALL
            SELECT 'person', k.key FROM unnest(\(keys)::text[]) AS k(key)
            CROSS JOIN LATERAL (
                SELECT 1 FROM orders.attendees a JOIN orders.orders o ON o.id = a.order_id
                WHERE a.match_id = \(hold.matchID) AND a.person_key = k.key
                  AND a.refunded_at IS NULL AND o.state NOT IN ('expired', 'cancelled', 'payment_failed')
                LIMIT 1
            ) AS held
            """, logger: self.logger)
        var busy: [String] = []
        for try await (kind, key) in taken.decode((String, String?).self) {
            if kind == "hold" { throw OrdersError.holdHasOrder }
            if let key { busy.append(key) }
        }
        if !busy.isEmpty {
            let fields = attendees.enumerated().filter { busy.contains($0.element.personKey) }
                .map { Problem.FieldError(field: "attendees[\($0.offset)]", message: "already has a ticket or an open order for this match") }
            throw Problem(TicketingProblems.attendeeHasTicket, detail: "A ticket holder already has a ticket for this match.", errors: fields)
        }

        let orderID = UUID.random()
        let amount = unitPrice * hold.seats.count
        // created_at is the column's default, now(): the transaction's time, which the hold's read returned.
        let (createdAt, currency) = (hold.transactionTime, "eur")
        // The answer, as `order(id:)` would read it back, from what this transaction writes.
        let seats = zip(attendees, hold.seats).map { a, seat in
            OrderSeat(
                unitId: seat.unitId, sector: seat.sector, row: seat.row, seat: seat.seat, attendee: a.person.firstName + " " + a.person.lastName)
        }
        let answer = Order(
            id: orderID, matchId: hold.matchID, buyerId: buyer, holdId: holdID, state: .seatsHeld, unitPriceCents: unitPrice,
            amountCents: amount, currency: currency, paymentIntentId: nil, windowEndsAt: window?.endsAt, holdExpiresAt: hold.expiresAt,
            createdAt: createdAt, seats: seats, tickets: []
        ).json
        // The order, its history, its attendees and its event in one statement. Each attendee keeps
        // its seat's labels and the id its ticket will have, so the order reads from this schema alone.
        var writes = PreparedWrites()
        writes.add(
            """
            INSERT INTO orders.orders (id, match_id, buyer_id, buyer_email, hold_id, state, unit_price_cents, amount_cents, currency,
                                       window_id, window_ends_at, hold_expires_at, payment_terms)
            VALUES (\(orderID), \(hold.matchID), \(buyer), \(email), \(holdID), \(OrderState.seatsHeld.rawValue), \(unitPrice),
                    \(amount), \(currency), \(window?.id), \(window?.endsAt), \(hold.expiresAt), \(terms.rawValue))
            """)
        Audit.add(
            Self.history(
                orderID, matchID: hold.matchID,
                [
                    (nil, .created, "order placed", actor),
                    (.created, .seatsHeld, "hold \(holdID.lowercased) attached, attendees accepted", actor),
                ]), to: &writes)
        let placed = zip(attendees, hold.seats).enumerated().map { i, pair in
            AttendeeRow(
                position: i + 1, unitID: pair.1.unitId, name: pair.0.person.firstName + " " + pair.0.person.lastName,
                deliverToEmail: pair.0.deliverToEmail, ticketID: UUID.random())
        }
        let attendeeRows: [PreparedWrites.Part] = zip(zip(attendees, hold.seats), placed).map { pair, row in
            let (a, seat, p) = (pair.0, pair.1, pair.0.person)
            return """
                (\(orderID), \(row.position), \(seat.unitId), \(p.firstName), \(p.lastName), \(p.dateOfBirth)::date, \(p.oib), \(p.passportNumber),
                 \(p.passportCountry), \(p.nationality), \(a.deliverToEmail), \(a.personKey), \(hold.matchID), \(seat.sector), \(seat.row),
                 \(seat.seat), \(row.ticketID))
                """
        }
        writes.add(
            """
            INSERT INTO orders.attendees (order_id, position, unit_id, first_name, last_name, date_of_birth, oib, passport_number,
                                          passport_country, nationality, deliver_to_email, person_key, match_id, sector_code, row_label,
                                          seat_label, ticket_id) VALUES
            """ + .list(attendeeRows))
        Outbox.add(
            [
                .init(
                    subject: "order.created", msgID: "order.created:\(orderID.lowercased)",
                    payload: .object([
                        "order_id": .string(orderID.lowercased), "match_id": .number(Double(hold.matchID)), "buyer_id": .string(buyer),
                        "amount_cents": .number(Double(amount)), "currency": .string("eur"), "seats": .number(Double(hold.seats.count)),
                    ]))
            ], to: &writes)
        key?.record(.created, answer, to: &writes)
        try await writes.run(on: connection, logger: self.logger)
        return .success(Placed(id: orderID, matchID: hold.matchID, amount: amount, answer: answer, attendees: placed))
    }

    struct BlacklistRefusal: Error {
        let hits: [Blacklist.Hit]
        let matchID: Int64
    }

    /// A step through the order's state machine: the event, why, and who caused it.
    typealias Step = (event: OrderState.Event, reason: String, actor: Actor)

    /// Moves a locked order through the state machine, recording why.
    static func transition(
        _ connection: PostgresConnection, orderID: UUID, matchID: Int64, from: OrderState, _ event: OrderState.Event, reason: String, actor: Actor,
        logger: Logger
    ) async throws -> OrderState {
        try await Self.transitions(connection, orderID: orderID, matchID: matchID, from: from, [(event, reason, actor)], logger: logger)
    }

    /// Steps through the state machine (one, or e.g. payment succeeded then tickets issued): the final
    /// state, one history row per step and, when given, the PaymentIntent that started the payment,
    /// in one statement.
    static func transitions(
        _ connection: PostgresConnection, orderID: UUID, matchID: Int64, from: OrderState, _ steps: [Step],
        paymentIntent: String? = nil, logger: Logger
    ) async throws -> OrderState {
        var writes = PreparedWrites()
        let state = try Self.addTransitions(orderID: orderID, matchID: matchID, from: from, steps, paymentIntent: paymentIntent, to: &writes)
        try await writes.run(on: connection, logger: logger)
        return state
    }

    /// The same as parts of a combined statement; checks every step against the state machine first.
    /// `holdExpiry` names an earlier part whose `expires_at` is the hold's new expiry; `also` are the
    /// audit entries of other modules' changes in the same statement, written with the order's.
    static func addTransitions(
        orderID: UUID, matchID: Int64, from: OrderState, _ steps: [Step], paymentIntent: String? = nil, holdExpiry: String? = nil,
        also: [Audit.Entry] = [], to writes: inout PreparedWrites
    ) throws -> OrderState {
        var state = from
        var rows: [(from: OrderState?, to: OrderState, reason: String, actor: Actor)] = []
        for step in steps {
            let next: OrderState
            do { next = try state.after(step.event) } catch { throw OrdersError.invalidTransition(error) }
            rows.append((state, next, step.reason, step.actor))
            state = next
        }
        var set: PreparedWrites.Part = paymentIntent.map { ", payment_intent_id = \($0), payment_started_at = now()" } ?? ""
        if let holdExpiry { set = set + ", hold_expires_at = coalesce((SELECT expires_at FROM \(unescaped: holdExpiry)), hold_expires_at)" }
        writes.add("UPDATE orders.orders SET state = \(state.rawValue)" + set + ", updated_at = now() WHERE id = \(orderID)")
        Audit.add(Self.history(orderID, matchID: matchID, rows) + also, to: &writes)
        return state
    }

    /// The order's history as an audit entry (E4): one per transaction, naming the state it ended in
    /// and, when it passed through several (created → seats held; paid → tickets issued), each step.
    static func history(_ orderID: UUID, matchID: Int64, _ rows: [(from: OrderState?, to: OrderState, reason: String, actor: Actor)]) -> [Audit.Entry]
    {
        guard let first = rows.first, let last = rows.last else { return [] }
        var data: [String: JSONValue] = ["to": .string(last.to.rawValue), "reason": .string(rows.map(\.reason).joined(separator: "; "))]
        if let from = first.from { data["from"] = .string(from.rawValue) }
        if rows.count > 1 { data["via"] = .array(rows.dropLast().map { .string($0.to.rawValue) }) }
        return [
            Audit.Entry(
                domain: .ticketPurchase, action: "order.\(last.to.rawValue)", actor: first.actor,
                subjects: ["order:\(orderID.lowercased)", "match:\(matchID)"], data: data)
        ]
    }

    /// Gives attendees the seat labels an AWAY match's seat map assigned to their units.
    static func relabel(_ connection: PostgresConnection, matchID: Int64, seats: [Inventory.Relabelled], logger: Logger) async throws {
        guard !seats.isEmpty else { return }
        try await connection.query(
            """
            UPDATE orders.attendees a SET sector_code = s.sector, row_label = s.row_label, seat_label = s.seat_label
            FROM unnest(\(seats.map(\.unitID))::bigint[], \(seats.map(\.sector))::text[], \(seats.map(\.row))::text[], \(seats.map(\.seat))::text[])
                 AS s(unit_id, sector, row_label, seat_label)
            WHERE a.match_id = \(matchID) AND a.unit_id = s.unit_id
            """, logger: logger)
    }

    /// The queue window `windowID` is over: its orders whose payment has not started give their
    /// seats back (a payment already under way keeps them until its outcome).
    func windowExpired(windowID: String) async throws {
        let rows = try await self.postgres.query(
            "SELECT hold_id FROM orders.orders WHERE window_id = \(windowID) AND state IN ('created', 'seats_held')", logger: self.logger)
        var holds: [UUID] = []
        for try await hold in rows.decode(UUID.self) { holds.append(hold) }
        for hold in holds {
            _ = try await self.inventory.release(
                holdID: hold, buyer: nil, reason: .released, actor: .service("system:queue-window"), unlessPaying: true)
        }
    }

    // MARK: Reads

    struct Row: Sendable {
        let id: UUID
        let matchID: Int64
        let buyer: String
        let email: String?
        let holdID: UUID
        let state: OrderState
        let unitPrice: Int
        let amount: Int
        let currency: String
        let paymentIntent: String?
        let windowEndsAt: Date?
        let createdAt: Date
    }

    static let rowColumns =
        "id, match_id, buyer_id, buyer_email, hold_id, state, unit_price_cents, amount_cents, currency, payment_intent_id, window_ends_at, created_at"
}

extension Orders.Row {
    /// From twelve columns of `r` from `offset` on, in the order of `Orders.rowColumns`.
    init(_ r: PostgresRandomAccessRow, offset o: Int = 0) throws {
        self.init(
            id: try r[o].decode(UUID.self, context: .default), matchID: try r[o + 1].decode(Int64.self, context: .default),
            buyer: try r[o + 2].decode(String.self, context: .default), email: try r[o + 3].decode(String?.self, context: .default),
            holdID: try r[o + 4].decode(UUID.self, context: .default),
            state: try OrderState.stored(try r[o + 5].decode(String.self, context: .default), column: "orders.state"),
            unitPrice: try r[o + 6].decode(Int.self, context: .default), amount: try r[o + 7].decode(Int.self, context: .default),
            currency: try r[o + 8].decode(String.self, context: .default), paymentIntent: try r[o + 9].decode(String?.self, context: .default),
            windowEndsAt: try r[o + 10].decode(Date?.self, context: .default), createdAt: try r[o + 11].decode(Date.self, context: .default))
    }
}

extension Orders {
    static func decodeRows(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [Row] {
        var out: [Row] = []
        for try await raw in rows { out.append(try Row(raw.makeRandomAccess())) }
        return out
    }

    /// The order row locked for update on `connection`, or nil.
    static func lockedRow(_ connection: PostgresConnection, id: UUID, logger: Logger) async throws -> Row? {
        let rows = try await connection.prepared(
            "SELECT \(unescaped: Self.rowColumns) FROM orders.orders WHERE id = \(id) FOR UPDATE", logger: logger)
        return try await Self.decodeRows(rows).first
    }

    /// The order row as committed (no lock).
    func row(id: UUID) async throws -> Row? {
        let rows = try await self.postgres.prepared(
            "SELECT \(unescaped: Self.rowColumns) FROM orders.orders WHERE id = \(id)", logger: self.logger)
        return try await Self.decodeRows(rows).first
    }

    /// Orders as the API shows them, in one statement whatever their number: one result row per
    /// attendee, with its seat and (once issued) its ticket. The hold's expiry shows while the order is
    /// open. Callers add the WHERE and ORDER BY (rows of one order must be consecutive, in position order).
    static let viewSQL = """
        SELECT \(Self.rowColumns.split(separator: ", ").map { "o." + $0 }.joined(separator: ", ")),
               CASE WHEN o.state IN ('created', 'seats_held', 'awaiting_payment') THEN o.hold_expires_at END,
               a.unit_id, a.sector_code, a.row_label, a.seat_label, a.first_name || ' ' || a.last_name,
               CASE WHEN o.state IN ('tickets_issued', 'partially_refunded', 'refunded') THEN a.ticket_id END, a.position, a.deliver_to_email
        FROM orders.orders o
        LEFT JOIN orders.attendees a ON a.order_id = o.id
        """

    static func assemble(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [Order] {
        var out: [Order] = []
        var current: (row: Row, holdExpires: Date?, seats: [OrderSeat], tickets: [TicketRef])?
        func flush() {
            guard let c = current else { return }
            out.append(
                Order(
                    id: c.row.id, matchId: c.row.matchID, buyerId: c.row.buyer, holdId: c.row.holdID, state: c.row.state,
                    unitPriceCents: c.row.unitPrice, amountCents: c.row.amount, currency: c.row.currency, paymentIntentId: c.row.paymentIntent,
                    windowEndsAt: c.row.windowEndsAt, holdExpiresAt: c.holdExpires, createdAt: c.row.createdAt, seats: c.seats, tickets: c.tickets))
        }
        for try await raw in rows {
            let r = raw.makeRandomAccess()
            let id = try r[0].decode(UUID.self, context: .default)
            if current?.row.id != id {
                flush()
                current = (try Row(r), try r[12].decode(Date?.self, context: .default), [], [])
            }
            if let unit = try r[13].decode(Int64?.self, context: .default), let sector = try r[14].decode(String?.self, context: .default) {
                current?.seats.append(
                    OrderSeat(
                        unitId: unit, sector: sector, row: try r[15].decode(String?.self, context: .default),
                        seat: try r[16].decode(String?.self, context: .default),
                        attendee: try r[17].decode(String.self, context: .default)))
            }
            if let ticket = try r[18].decode(UUID?.self, context: .default) {
                current?.tickets.append(
                    TicketRef(
                        id: ticket, position: try r[19].decode(Int.self, context: .default),
                        deliverToEmail: try r[20].decode(String?.self, context: .default)))
            }
        }
        flush()
        return out
    }

    /// One order as the API shows it (the app polls this while it waits for its tickets).
    func order(id: UUID, buyer: String?) async throws -> Order {
        let rows = try await self.postgres.prepared(
            "\(unescaped: Self.viewSQL) WHERE o.id = \(id) ORDER BY a.position", logger: self.logger)
        guard let order = try await Self.assemble(rows).first, buyer == nil || order.buyerId == buyer else { throw OrdersError.notFound }
        return order
    }

    /// The longest `wait` a request may ask for (mobile networks and proxies cut idle requests at 30–60 s).
    static let longestWait = 30
    /// `HNS_ORDER_WAIT_RECHECK` when not set.
    static let defaultLongPollRecheck: Duration = .seconds(2)

    /// The order, after waiting up to `wait` for it to leave its open states (created, seats held,
    /// awaiting payment): answered as soon as it settles, or as it is when the time is up.
    func order(id: UUID, buyer: String?, wait: Duration) async throws -> Order {
        let deadline = ContinuousClock.now + wait
        while true {
            let key = self.watch.register(id)
            defer { if let key { self.watch.unregister(id, key: key) } }
            let order = try await self.order(id: id, buyer: buyer)
            let left = deadline - .now
            guard let key, order.state.isOpen, left > .zero else { return order }
            // Shutdown answers waiting requests at once rather than holding the server's drain.
            await withGracefulShutdownHandler {
                await self.watch.wait(id, key: key, timeout: min(left, self.longPollRecheck))
            } onGracefulShutdown: {
                self.watch.close()
            }
            try Task.checkCancellation()
        }
    }

    /// The buyer's latest 100 orders, newest first.
    func orders(buyer: String) async throws -> [Order] {
        let rows = try await self.postgres.prepared(
            """
            \(unescaped: Self.viewSQL)
            WHERE o.id IN (SELECT id FROM orders.orders WHERE buyer_id = \(buyer) ORDER BY created_at DESC LIMIT 100)
            ORDER BY o.created_at DESC, o.id, a.position
            """, logger: self.logger)
        return try await Self.assemble(rows)
    }
}

extension UUID {
    var lowercased: String { self.uuidString.lowercased() }
}

extension String {
    var nilIfEmpty: String? { self.isEmpty ? nil : self }
}

// The order answers are written by hand (`JSONWriter`): they are on every purchase's path. The bytes
// are those `TicketingJSON.encoder()` writes for the same value (tested side by side): snake-case
// keys in sorted order, nil fields left out.
extension Orders.Order {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.field("amount_cents", self.amountCents)
        w.field("buyer_id", self.buyerId)
        w.field("created_at", self.createdAt)
        w.field("currency", self.currency)
        w.field("hold_expires_at", self.holdExpiresAt)
        w.field("hold_id", self.holdId)
        w.field("id", self.id)
        w.field("match_id", self.matchId)
        w.field("payment_intent_id", self.paymentIntentId)
        w.field("seats", objects: self.seats) { w, seat in
            w.field("attendee", seat.attendee)
            w.field("row", seat.row)
            w.field("seat", seat.seat)
            w.field("sector", seat.sector)
            w.field("unit_id", seat.unitId)
        }
        w.field("state", self.state.rawValue)
        w.field("tickets", objects: self.tickets) { w, ticket in
            w.field("deliver_to_email", ticket.deliverToEmail)
            w.field("id", ticket.id)
            w.field("position", ticket.position)
        }
        w.field("unit_price_cents", self.unitPriceCents)
        w.field("window_ends_at", self.windowEndsAt)
        w.endObject()
    }

    var json: [UInt8] {
        var w = JSONWriter()
        self.write(to: &w)
        return w.bytes
    }
}

extension Orders.PaymentStart {
    var json: [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("amount_cents", self.amountCents)
        w.field("client_secret", self.clientSecret)
        w.field("currency", self.currency)
        w.key("order")
        self.order.write(to: &w)
        w.field("payment_intent_id", self.paymentIntentId)
        w.endObject()
        return w.bytes
    }
}
