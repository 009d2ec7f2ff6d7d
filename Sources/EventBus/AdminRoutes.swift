import Foundation
import HNSCore
import Hummingbird

/// The admin API (docs/contracts.md), behind `HNS_EVENTBUS_ADMIN_TOKEN`.
struct AdminRoutes: Sendable {
    let admin: EventBusAdmin
    let token: Secret?
    let manager: DeliveryManager?

    func add(to router: Router<BasicRequestContext>) {
        let group = router.group("/v1").add(middleware: AdminAuthMiddleware(token: self.token))
        group.get("/stream") { _, _ in HealthRoutes.json(.ok, try await self.admin.streamInfo()) }
        group.get("/subscriptions") { _, _ in HealthRoutes.json(.ok, .object(["subscriptions": try await self.admin.subscriptions()])) }
        group.post("/subscriptions/{name}/reset") { request, context in
            let name = context.parameters.decoded("name") ?? ""
            struct Body: Decodable {
                let seq: Int64?
                let time: String?
            }
            let body = try await request.decodeJSON(as: Body.self, context: context)
            let target: EventBusAdmin.ResetTarget
            switch (body.seq, body.time) {
            case (let seq?, nil):
                guard seq >= 1 else { throw Problem.validation(field: "seq", "must be ≥ 1") }
                target = .seq(seq)
            case (nil, let time?):
                guard let date = RFC3339.parse(time) else { throw Problem.validation(field: "time", "must be an RFC 3339 time") }
                target = .time(date)
            default:
                throw Problem.validation(field: "seq", "give exactly one of seq or time")
            }
            let from = try await self.known(name) { try await self.admin.reset(name, to: target) }
            self.manager?.wake(name)
            return HealthRoutes.json(.ok, .object(["subscription": .string(name), "replay_from_seq": .number(Double(from))]))
        }
        group.get("/subscriptions/{name}/dead-letters") { _, context in
            let name = context.parameters.decoded("name") ?? ""
            return HealthRoutes.json(.ok, .object(["dead_letters": try await self.known(name) { try await self.admin.deadLetters(name) }]))
        }
        group.post("/subscriptions/{name}/dead-letters/redrive") { _, context in
            let name = context.parameters.decoded("name") ?? ""
            let n = try await self.known(name) { try await self.admin.redriveDeadLetters(name) }
            self.manager?.wake(name)
            return HealthRoutes.json(.ok, .object(["requeued": .number(Double(n))]))
        }
        group.post("/subscriptions/{name}/redeliver/{seq}") { _, context in
            let name = context.parameters.decoded("name") ?? ""
            guard let seq = Int64(context.parameters.decoded("seq") ?? "") else { throw Problem.validation(field: "seq", "must be a number") }
            do {
                try await self.known(name) { try await self.admin.redeliver(name, seq: seq) }
            } catch is EventBusAdmin.NoSuchMessage {
                throw Problem.notFound("Message \(seq) is not in the stream (never published or expired).")
            }
            self.manager?.wake(name)
            return HealthRoutes.json(.accepted, .object(["subscription": .string(name), "seq": .number(Double(seq))]))
        }
    }

    private func known<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch is EventBusAdmin.UnknownSubscription {
            throw Problem.notFound("No subscription named \(name).")
        }
    }
}

struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: Secret?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { throw Problem.forbidden("The admin API is disabled: HNS_EVENTBUS_ADMIN_TOKEN is not set.") }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            ConstantTime.equal(String(header.dropFirst(7)), token.value)
        else { throw Problem.unauthorized("The admin Bearer token is required.") }
        return try await next(request, context)
    }
}
