import Crypto
import Foundation
import HNSBus
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

extension Orders {
    /// `queueGate` checks the purchase token while the match's queue is active and returns the window.
    func addRoutes(
        to groups: RouteGroups, queueGate: QueueGate, idempotency: Idempotency, kickoff: @escaping @Sendable (Int64) async throws -> Date
    ) {
        groups.purchase.post("orders") { request, context -> Response in
            let me = context.identity
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return try await idempotency.run(request: request, buyer: me.userID, route: "POST /orders", body: bytes, recordsInTransaction: true) {
                key in
                let body = try Request.decodeJSON(as: Create.self, from: bytes)
                let (holdID, attendees) = try Self.validate(body)
                let token = request.headers[QueueGate.header]
                // The queue's gate is asked inside the order's transaction, once the hold (and so the
                // match) is read, from its cached state only: Redis must not be waited on while the
                // hold's lock is held. On a miss the transaction ends, the state is read, and the order
                // is tried again with it.
                do {
                    return (
                        .created,
                        try await self.create(buyer: context.actor, email: me.email, holdID: holdID, attendees: attendees, key: key) {
                            try await queueGate.checkCached(matchID: $0, user: me.userID, token: token)
                        }
                    )
                } catch let miss as QueueGate.StateNotCached {
                    let state = try await queueGate.state(matchID: miss.matchID)
                    return (
                        .created,
                        try await self.create(buyer: context.actor, email: me.email, holdID: holdID, attendees: attendees, key: key) {
                            try await queueGate.check(state: state, matchID: $0, user: me.userID, token: token)
                        }
                    )
                }
            }
        }
        groups.customer.get("orders") { _, context -> Response in
            let me = context.identity
            return Idempotency.response(.ok, try Self.json(OrderList(orders: try await self.orders(buyer: me.userID))))
        }
        // `?wait=N` (seconds, at most 30): a long poll. While the order is open (created, seats held,
        // awaiting payment) the answer waits up to N seconds for it to settle, so the app learns its
        // payment's outcome the moment it is known, with one request instead of a poll every few ms.
        groups.customer.get("orders/:orderId") { request, context -> Response in
            let me = context.identity
            let id = try Self.orderID(context)
            let order: Order
            if let wait = try Self.waitParameter(request) {
                order = try await self.order(id: id, buyer: me.userID, wait: .seconds(wait))
            } else {
                order = try await self.order(id: id, buyer: me.userID)
            }
            return Idempotency.response(.ok, order.json)
        }
        groups.purchase.post("orders/:orderId/payment") { request, context -> Response in
            let me = context.identity
            let id = try Self.orderID(context)
            let bytes = try await request.body.collect(upTo: 1 << 16)
            // The Stripe call sits between two transactions: the answer is stored after the second.
            return try await idempotency.run(request: request, buyer: me.userID, route: "POST /orders/\(id)/payment", body: bytes) { _ in
                guard let row = try await self.row(id: id), row.buyer == me.userID else { throw OrdersError.notFound }
                _ = try await queueGate.check(matchID: row.matchID, user: me.userID, request: request)
                return (.created, try await self.startPayment(row, buyer: context.actor).json)
            }
        }
        groups.customer.post("orders/:orderId/cancel") { _, context -> Response in
            Idempotency.response(.ok, try await self.cancel(orderID: try Self.orderID(context), buyer: context.actor).json)
        }
        groups.customer.get("wallet/tickets") { _, context -> Response in
            let me = context.identity
            let tickets = try await self.tickets.wallet(user: me.userID, email: me.email, actor: context.actor, kickoff: kickoff)
            return Idempotency.response(.ok, try Self.json(Wallet(tickets: tickets)))
        }

        // Stripe events, as the bus delivers them (router → bus → here): the router verified
        // Stripe's signature; we trust the bus's Bearer token.
        groups.bus.post("webhooks/stripe") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 2 << 20)
            let event = try Request.decodeJSON(as: Envelope.Typed<StripeEvent>.self, from: bytes).data
            let outcome = try await self.handle(event: event)
            return Idempotency.response(.ok, Array(#"{"outcome":"\#(outcome.rawValue)"}"#.utf8))
        }
        // The backend's catch-all subscription (backend-all-events): our own domain events come back
        // here. No workflow reacts to them yet; they are checked and acknowledged so the bus moves on.
        groups.bus.post("api/v1/webhooks/nats") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 2 << 20)
            // Checked without building the document: the envelope's strings, and that data is there.
            let body = Array(bytes.readableBytesView)
            guard let fields = RawJSON.strings(body, at: [["subject"], ["message_id"], ["timestamp"]]),
                let data = RawJSON.present(body, at: [["data"]])
            else {
                throw Problem(.malformedJSON, detail: "The body is not a JSON object.")
            }
            var errors: [Problem.FieldError] = []
            for (name, value) in zip(["subject", "message_id"], fields) where (value ?? "").isEmpty {
                errors.append(.init(field: name, message: "is required (a non-empty string)"))
            }
            if fields[2].flatMap(Envelope.date(rfc3339:)) == nil {
                errors.append(.init(field: "timestamp", message: "is required (an RFC 3339 date-time)"))
            }
            if data[0] == false { errors.append(.init(field: "data", message: "is required")) }
            if !errors.isEmpty { throw Problem.validation(errors) }
            return Response(status: .noContent)
        }
    }

    struct OrderList: Encodable { let orders: [Order] }
    struct Wallet: Encodable { let tickets: [Tickets.WalletTicket] }

    static func orderID(_ context: some RequestContext) throws -> UUID {
        guard let id = context.parameters.decoded("orderId").flatMap(UUID.init(uuidString:)) else { throw OrdersError.notFound }
        return id
    }

    /// `wait` of a long poll: whole seconds, 0 to `Orders.longestWait`; nil when absent or 0.
    static func waitParameter(_ request: Request) throws -> Int? {
        let values = request.uri.queryParameters.getAll("wait")
        guard let raw = values.first else { return nil }
        guard values.count == 1, let seconds = Int(raw), (0...Orders.longestWait).contains(seconds) else {
            throw Problem.validation(field: "wait", "must be a whole number of seconds from 0 to \(Orders.longestWait)")
        }
        return seconds == 0 ? nil : seconds
    }

    static func json(_ value: some Encodable) throws -> [UInt8] { Array(try TicketingJSON.encoder().encode(value)) }

}

/// The queue's gate in front of reserving and ordering: while a match's queue is active, every
/// purchase call carries the purchase token (`X-Purchase-Token`) the queue signed for this fan.
struct QueueGate: Sendable {
    let redis: RedisClient
    let verifier: PurchaseTokenVerifier?
    /// The queue's state per match, for a second (every purchase call asks).
    let states: ShortCache<Int64, String?>
    static let header = HTTPField.Name("X-Purchase-Token")!

    /// The states in which the queue controls who may buy (hns-queue's `state`).
    static let gatedStates: Set<String> = ["pre_queue", "open", "paused"]

    init(redis: RedisClient, verifier: PurchaseTokenVerifier?, clock: WallClock = .system) {
        self.redis = redis
        self.verifier = verifier
        self.states = ShortCache(ttl: .seconds(1), clock: clock)
    }

    /// Nil when the match has no active queue; else the verified token, or a 403 / 503.
    func check(matchID: Int64, user: String, token: String?) async throws -> PurchaseToken? {
        try await self.check(state: try await self.state(matchID: matchID), matchID: matchID, user: user, token: token)
    }

    /// The queue's state for the match (cached for a second), from Redis on a miss.
    func state(matchID: Int64) async throws -> String? {
        try await self.states.value(for: matchID) { try await self.redis.hget(RedisKeys.shared.queueConfig(match: String(matchID)), "state") }
    }

    struct StateNotCached: Error { let matchID: Int64 }

    /// The same answer as `check`, without any I/O: `StateNotCached` when the state would have to be read.
    func checkCached(matchID: Int64, user: String, token: String?) async throws -> PurchaseToken? {
        guard let state = self.states.cached(matchID) else { throw StateNotCached(matchID: matchID) }
        return try await self.check(state: state, matchID: matchID, user: user, token: token)
    }

    func check(state: String?, matchID: Int64, user: String, token: String?) async throws -> PurchaseToken? {
        guard let state, Self.gatedStates.contains(state) else { return nil }
        guard let verifier else { throw Problem.unavailable("The waiting room is active but HNS_QUEUE_SIGNING_KEY is not set here.") }
        return try await verifier.verify(token ?? "", user: user, match: String(matchID))
    }

    func check(matchID: Int64, user: String, request: Request) async throws -> PurchaseToken? {
        try await self.check(matchID: matchID, user: user, token: request.headers[Self.header])
    }
}
