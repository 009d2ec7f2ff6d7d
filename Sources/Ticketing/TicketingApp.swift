import HNSCore
import HNSPostgres
import HNSRedis
import Hummingbird
import Logging
import PostgresNIO

/// The composition root of `hns-ticketing`, used by `serve` and by the tests.
public enum TicketingApp {
    public static func build(configuration config: TicketingConfiguration, logger: Logger) -> some ApplicationProtocol {
        let postgres = PostgresClient(configuration: config.postgres, backgroundLogger: logger)
        let redis = RedisClient(configuration: config.redis, logger: logger)
        let router = DaemonRouter.make(daemon: "hns-ticketing", context: BasicRequestContext.self)
        HealthRoutes.add(to: router, daemon: "hns-ticketing", checks: [
            ReadinessCheck(name: "postgres") { try await postgres.ping(logger: logger); return nil },
            ReadinessCheck(name: "redis") { _ = try await redis.send(["PING"]); return nil },
        ])
        return Application(
            router: router, configuration: config.http.applicationConfiguration, services: [postgres, redis], logger: logger)
    }
}
