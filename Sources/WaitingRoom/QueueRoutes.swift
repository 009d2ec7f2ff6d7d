import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The request context: the client address (for the per-IP join limit).
public struct QueueRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

extension HTTPField.Name {
    static let queueTicket = HTTPField.Name("X-Queue-Ticket")!
}

/// Every route of hns-queue (docs/contracts.md "Queue API (hns-queue)").
struct QueueRoutes: Sendable {
    let store: QueueStore
    let hub: ConnectionHub
    let fanout: QueueFanout
    let tickets: QueueTicketCodec
    let verifier: IdentityVerifier
    let config: QueueConfiguration

    func add(to router: Router<QueueRequestContext>) {
        // Operator: admin with MFA, or the monolith's service token.
        router.put("/v1/queues/:matchId") { request, context in try await self.putQueue(request, context) }
        router.get("/v1/queues/:matchId") { request, context in try await self.getQueue(request, context) }
        router.post("/v1/queues/:matchId/windows/:userId/release") { request, context in try await self.release(request, context) }
        // Public: the draw's seed (after the draw) and its entrants, so anyone can check the order.
        router.get("/v1/queues/:matchId/draw") { request, context in try await self.draw(request, context) }
        // Fans.
        router.post("/v1/queues/:matchId/join") { request, context in try await self.join(request, context) }
        router.delete("/v1/queues/:matchId/join") { request, context in try await self.leave(request, context) }
        router.get("/v1/queues/:matchId/position") { request, context in try await self.position(request, context) }
        router.get("/v1/queues/:matchId/events") { request, context in try await self.events(request, context) }
        // GET /v1/queues/:matchId/ws is answered below the router, by QueueServerChannel: a WebSocket
        // lives in a NIO channel handler, without a task of its own.
    }

    // MARK: - Helpers

    /// The monolith's match id (a positive integer, written without leading zeros, so that one
    /// match has one queue); anything else names no match: 404, or 422 when creating a queue.
    static func matchID(_ context: some RequestContext, creating: Bool = false) throws -> String {
        let id = context.parameters.decoded("matchId") ?? ""
        guard Self.isMatchID(id) else {
            if creating { throw Problem.validation(field: "matchId", "must be a match id (a positive integer)") }
            throw Problem.notFound("No queue for this match id: match ids are positive integers.")
        }
        return id
    }

    static func isMatchID(_ id: some StringProtocol) -> Bool {
        // At most 18 digits: every such number fits in 64 bits, and no match id will grow that far.
        guard let first = id.utf8.first, first != UInt8(ascii: "0"), id.utf8.count <= 18 else { return false }
        return id.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func ticketText(_ request: Request) -> String? {
        Self.ticketText(
            header: request.headers[.queueTicket], authorization: request.headers[.authorization],
            query: request.uri.queryParameters.get("ticket"))
    }

    /// Where a queue ticket may come with a request, in order: `X-Queue-Ticket`, `Authorization: Bearer v1.…`, `?ticket=`.
    static func ticketText(header: String?, authorization: String?, query: String?) -> String? {
        if let header, !header.isEmpty { return header }
        if let authorization, authorization.hasPrefix("Bearer v1.") { return String(authorization.dropFirst(7)) }
        return query
    }

    func ticket(_ request: Request, _ context: QueueRequestContext) throws -> QueueTicket {
        guard let text = Self.ticketText(request) else { throw QueueTicketError.missing }
        return try self.tickets.decode(text, match: try Self.matchID(context))
    }

    func requireOperator(_ request: Request) async throws {
        let header = request.headers[.authorization]
        if let header, header.hasPrefix("Bearer "), ConstantTime.equal(Array(header.utf8.dropFirst(7)), Array(self.config.serviceToken.value.utf8)) {
            return
        }
        try await self.verifier.verify(authorizationHeader: header).requireAdminWithMFA()
    }

    static func json(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        var fields: HTTPFields = [.contentType: "application/json"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ status: HTTPResponse.Status, _ value: [String: JSONValue]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONValue.object(value).encoded()))
        )
    }

    // MARK: - Operator

    struct QueueUpdate: Decodable {
        var saleStartsAt: Date?
        var admissionPerMinute: Int?
        var maxActiveWindows: Int?
        var windowMinutes: Double?
        var maxTicketsPerWindow: Int?
        var state: String?

        enum CodingKeys: String, CodingKey {
            case saleStartsAt = "sale_starts_at"
            case admissionPerMinute = "admission_per_minute"
            case maxActiveWindows = "max_active_windows"
            case windowMinutes = "window_minutes"
            case maxTicketsPerWindow = "max_tickets_per_window"
            case state
        }
    }

    func putQueue(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        try await self.requireOperator(request)
        let match = try Self.matchID(context, creating: true)
        let update = try await request.decodeJSON(as: QueueUpdate.self, context: context, limit: 16 * 1024)
        var errors: [Problem.FieldError] = []
        var fields: [String: String] = [:]
        let existing = try await self.store.settings(match)
        if let at = update.saleStartsAt {
            fields["sale_starts_at"] = String(Int64(at.timeIntervalSince1970 * 1000))
        } else if existing == nil {
            errors.append(.init(field: "sale_starts_at", message: "is required when a queue is created"))
        }
        if let n = update.admissionPerMinute {
            if (1...1_000_000).contains(n) {
                fields["admission_per_minute"] = String(n)
            } else {
                errors.append(.init(field: "admission_per_minute", message: "must be between 1 and 1000000"))
            }
        }
        if let n = update.maxActiveWindows {
            if (1...1_000_000).contains(n) {
                fields["max_active_windows"] = String(n)
            } else {
                errors.append(.init(field: "max_active_windows", message: "must be between 1 and 1000000"))
            }
        }
        if let m = update.windowMinutes {
            if m > 0, m <= 24 * 60 {
                fields["window_ms"] = String(Int64((m * 60_000).rounded()))
            } else {
                errors.append(.init(field: "window_minutes", message: "must be more than 0 and at most 1440"))
            }
        }
        if let n = update.maxTicketsPerWindow {
            if (1...100).contains(n) {
                fields["max_tickets_per_window"] = String(n)
            } else {
                errors.append(.init(field: "max_tickets_per_window", message: "must be between 1 and 100"))
            }
        }
        if let state = update.state {
            if QueueState(rawValue: state) != nil {
                fields["state"] = state
            } else {
                errors.append(.init(field: "state", message: "must be one of " + QueueState.allCases.map(\.rawValue).joined(separator: ", ")))
            }
        }
        // Only the missing sale start: the body is fine, the queue's absence is what it conflicts with.
        if errors.count == 1, errors[0].field == "sale_starts_at", existing == nil {
            throw Problem(
                QueueProblems.saleStartRequired, detail: "This match has no queue yet: creating one needs sale_starts_at.", errors: errors)
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        if existing == nil {
            fields["window_ms"] = fields["window_ms"] ?? String(Int64(PurchaseToken.window.milliseconds))
        }
        let result = try await self.store.put(match, fields: fields)
        let keys = self.store.keys
        // Opened (or the sale start moved to the past): draw now rather than at the next tick, so that
        // nobody joining from now on lands in the draw.
        if let s = try await self.store.settings(match), !s.drawn,
            s.state == QueueState.open.rawValue || (s.state == QueueState.preQueue.rawValue && s.saleStartsAt <= self.store.nowMillis())
        {
            _ = try await self.store.draw(match, settings: s, owner: nil, logger: context.logger)
        }
        if let state = result.stateChanged {
            if state == QueueState.preQueue.rawValue, let s = try await self.store.settings(match), !s.drawn {
                // Commit to the draw before anyone can join: the seed's hash is public from now on.
                try await self.store.redis.xadd(
                    keys.events,
                    [
                        ("type", "queue.prequeue_opened"), ("match_id", match), ("seed_hash", s.seedHash), ("at", String(self.store.nowMillis())),
                    ])
            }
            try await self.store.redis.publish(channel: keys.channel, message: AdmissionLoop.note("state", match))
        }
        context.logger.info("queue configured", metadata: ["hns.match.id": "\(match)", "hns.queue.fields": "\(fields.keys.sorted())"])
        return try await self.overview(match, status: result.created ? .created : .ok)
    }

    func getQueue(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        try await self.requireOperator(request)
        return try await self.overview(try Self.matchID(context), status: .ok)
    }

    func overview(_ match: String, status: HTTPResponse.Status) async throws -> Response {
        guard let o = try await self.store.overview(match) else { throw Problem.notFound("No queue for this match.") }
        let s = o.settings
        var body: [String: JSONValue] = [
            "match_id": .string(match), "state": .string(s.reportedState), "configured_state": .string(s.state),
            "sale_starts_at": .string(QueueStore.iso(s.saleStartsAt)), "admission_per_minute": .number(Double(s.admissionPerMinute)),
            "max_active_windows": .number(Double(s.maxActiveWindows)), "window_minutes": .number(Double(s.windowMillis) / 60_000),
            "max_tickets_per_window": .number(Double(s.maxTicketsPerWindow)), "waiting": .number(Double(o.waiting + o.prequeue)),
            "pre_queue": .number(Double(o.prequeue)), "admitted": .number(Double(s.admittedTotal)),
            "active_windows": .number(Double(o.activeWindows)), "seed_hash": .string(s.seedHash), "drawn": .bool(s.drawn),
            "seats_left": o.seatsLeft.map { .number(Double($0)) } ?? .null,
        ]
        body["seed"] = s.drawn ? .string(s.seed) : .null
        return Self.json(status, body)
    }

    func release(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        try await self.requireOperator(request)
        let match = try Self.matchID(context)
        // A user id as identity tokens carry it (HNSIdentity refuses longer ones and control characters).
        guard let user = context.parameters.decoded("userId"), !user.isEmpty, user.utf8.count <= 255,
            !user.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        else { throw Problem.notFound("No purchase window for this user id.") }
        let ended = try await self.store.endWindow(match, queueID: nil, user: user, type: "queue.released", owner: nil)
        if ended == 1 { try await self.store.redis.publish(channel: self.store.keys.channel, message: AdmissionLoop.note("moved", match)) }
        return Self.json(.ok, ["released": .bool(ended == 1)])
    }

    func draw(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        let match = try Self.matchID(context)
        guard let s = try await self.store.settings(match) else { throw Problem.notFound("No queue for this match.") }
        let entrants = s.drawn ? try await self.store.entrants(match) : []
        return Self.json(
            .ok,
            [
                "match_id": .string(match), "seed_hash": .string(s.seedHash), "seed": s.drawn ? .string(s.seed) : .null, "drawn": .bool(s.drawn),
                "algorithm": .string("sha256(seed) == seed_hash; order = entrants sorted by sha1(seed + \":\" + queue_id), ascending hex"),
                "entrants": .array(entrants.map(JSONValue.string)),
            ])
    }

    // MARK: - Fans

    func join(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let match = try Self.matchID(context)
        let identity: Identity
        do { identity = try await self.verifier.verify(authorizationHeader: request.headers[.authorization]) } catch {
            QueueMetrics.joined(startedAt: start, outcome: "unauthorized")
            throw error
        }
        let ip = context.remoteAddress?.ipAddress ?? "unknown"
        let outcome = try await self.store.join(
            match, user: identity.userID, ip: ip, limitPerUser: self.config.joinLimitPerUser, limitPerIP: self.config.joinLimitPerIP)
        switch outcome {
        case .noQueue:
            QueueMetrics.joined(startedAt: start, outcome: "no_queue")
            throw Problem.notFound("No queue for this match.")
        case .refused(let state):
            QueueMetrics.joined(startedAt: start, outcome: "refused")
            var p = Problem(
                QueueProblems.queueNotOpen, detail: state == "sold_out" ? "The match is sold out." : "The queue is \(state) and not taking fans.")
            p.extensions["state"] = .string(state)
            throw p
        case .limited(let scope, let retryMillis):
            QueueMetrics.joined(startedAt: start, outcome: "limited")
            var p = Problem(QueueProblems.rateLimited, detail: "Too many join attempts from this \(scope); try again shortly.")
            p.extraHeaders[.retryAfter] = String(max(1, (retryMillis + 999) / 1000))
            throw p
        case .joined(let queueID, let new, let status):
            let exp = Int64(self.store.clock.now.timeIntervalSince1970 + self.config.ticketTTL.seconds)
            let ticket = self.tickets.encode(QueueTicket(matchID: match, userID: identity.userID, queueID: queueID, expiresAt: exp))
            var body: [String: JSONValue] = ["queue_ticket": .string(ticket), "queue_id": .string(queueID)]
            switch status {
            case .waiting(let position, let eta, let state):
                body["position"] = .number(Double(position))
                body["ahead"] = .number(Double(position - 1))
                body["estimated_wait_s"] = eta.map { .number(Double($0)) } ?? .null
                body["state"] = .string(state)
            case .inDraw(let entrants, let state):
                (body["position"], body["ahead"], body["estimated_wait_s"]) = (.null, .null, .null)
                body["state"] = .string(state)
                body["in_draw"] = .bool(true)
                body["entrants"] = .number(Double(entrants))
            case .turn(let token, let endsAt):
                (body["position"], body["ahead"], body["estimated_wait_s"]) = (.number(0), .number(0), .number(0))
                body["state"] = .string("your_turn")
                body["purchase_token"] = .string(token)
                body["window_ends_at"] = .string(QueueStore.iso(endsAt))
            case .gone(let state):
                (body["position"], body["ahead"], body["estimated_wait_s"]) = (.null, .null, .null)
                body["state"] = .string(state)
            }
            QueueMetrics.joined(startedAt: start, outcome: new ? "joined" : "rejoined")
            return Self.json(new ? .created : .ok, body)
        }
    }

    func leave(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        let ticket = try self.ticket(request, context)
        if try await self.store.leave(ticket.matchID, queueID: ticket.queueID) {
            try await self.store.redis.publish(channel: self.store.keys.channel, message: AdmissionLoop.note("moved", ticket.matchID))
        }
        return Response(status: .noContent)
    }

    func position(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        let ticket = try self.ticket(request, context)
        return Self.json(.ok, try await self.store.status(ticket.matchID, queueID: ticket.queueID).json, headers: [.cacheControl: "no-store"])
    }

    /// Server-Sent Events: the same messages as the WebSocket, one `data:` line each.
    func events(_ request: Request, _ context: QueueRequestContext) async throws -> Response {
        let ticket = try self.ticket(request, context)
        let first = try await self.store.status(ticket.matchID, queueID: ticket.queueID)
        let sink = StreamSink()
        let subscriber = self.hub.register(matchID: ticket.matchID, queueID: ticket.queueID, sink: sink)
        await self.fanout.claim(subscriber)
        if case .gone = first { self.hub.unregister(subscriber, message: first.json) } else { subscriber.send(first.json) }
        let hub = self.hub
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                do {
                    try await withGracefulShutdownHandler {
                        for await text in sink.stream {
                            try await writer.write(ByteBuffer(string: "data: \(text)\n\n"))
                        }
                    } onGracefulShutdown: {
                        hub.unregister(subscriber, message: Self.reconnect)
                    }
                    hub.unregister(subscriber)
                    try await writer.finish(nil)
                } catch {
                    hub.unregister(subscriber)
                    throw error
                }
            })
    }

    /// Sent when this instance shuts down: the client reconnects, to any instance, and keeps its place.
    static let reconnect = #"{"type":"reconnect"}"#
}
