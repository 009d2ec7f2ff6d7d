import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import HTTPTypes
import Hummingbird
import Logging

/// Counts requests in Redis, so that every instance of a daemon shares the count: a fixed window per
/// key, which starts with its first request. Each key is its own command (no multi-key script), so
/// the counters spread over a Redis Cluster's slots.
struct RedisRateLimiter: Sendable {
    let redis: RedisClient
    let logger: Logger

    /// Counts one request against each key's limit, in one round trip. Nil when every limit allows
    /// it; else how long until the window that refuses it ends. A request refused still counts, so
    /// a client that keeps trying stays refused. If Redis cannot be reached the request is allowed:
    /// a limiter must not stop a sale that Redis's outage does not stop.
    func hit(_ checks: [(key: String, limit: RateLimit)]) async -> Duration? {
        guard !checks.isEmpty else { return nil }
        var commands: [[RESPArg]] = []
        for check in checks {
            commands.append(["INCR", RESPArg(check.key)])
            commands.append(["PEXPIRE", RESPArg(check.key), RESPArg(String(check.limit.window.milliseconds)), "NX"])
        }
        do {
            let replies = try await self.redis.pipeline(commands)
            for (i, check) in checks.enumerated() where (replies[2 * i].int ?? 0) > check.limit.count {
                let left = try await self.redis.send(["PTTL", RESPArg(check.key)]).int.map(Int64.init) ?? check.limit.window.milliseconds
                return .milliseconds(max(1, left))
            }
            return nil
        } catch {
            self.logger.warning("rate limit not counted: Redis unavailable", metadata: ["error": "\(error)"])
            return nil
        }
    }
}

/// The limits on customers' purchase calls (holds, orders, payments), per signed-in user and per
/// client address, counted in Redis so that every instance shares them: a bot cannot churn holds
/// faster than people can. Over a limit: 429 with `Retry-After`.
struct PurchaseRateLimits: RouterMiddleware {
    typealias Context = CustomerContext
    let limiter: RedisRateLimiter
    let perUser: RateLimit?
    let perAddress: RateLimit?
    /// Behind a proxy, the header it writes the client's address into (its last entry is the one
    /// our proxy added; `X-Forwarded-For`); nil: the connection's peer is the client.
    let addressHeader: HTTPField.Name?

    func handle(_ request: Request, context: CustomerContext, next: (Request, CustomerContext) async throws -> Response) async throws -> Response {
        var checks: [(key: String, limit: RateLimit)] = []
        if let perUser { checks.append(("hns:ratelimit:purchase:user:" + context.identity.userID, perUser)) }
        if let perAddress, let address = self.address(request, context) { checks.append(("hns:ratelimit:purchase:addr:" + address, perAddress)) }
        if let wait = await self.limiter.hit(checks) {
            let seconds = max(1, Int((wait.seconds).rounded(.up)))
            var problem = Problem(TicketingProblems.rateLimited, detail: "Too many purchase requests; try again in \(seconds) s.")
            problem.extraHeaders[.retryAfter] = String(seconds)
            throw problem
        }
        return try await next(request, context)
    }

    func address(_ request: Request, _ context: CustomerContext) -> String? {
        if let header = self.addressHeader {
            guard let value = request.headers[values: header].last?.split(separator: ",").last else { return nil }
            let address = value.trimmingCharacters(in: .whitespaces)
            return address.isEmpty || address.utf8.count > 64 ? nil : address
        }
        return context.remoteAddress?.ipAddress
    }
}
