import HNSCore
import HNSRedis
import Hummingbird
import Logging

/// The composition root of `hns-queue`, used by `serve` and by the tests.
public enum QueueApp {
    public static func build(configuration config: QueueConfiguration, logger: Logger) -> some ApplicationProtocol {
        let redis = RedisClient(configuration: config.redis, logger: logger)
        let router = DaemonRouter.make(daemon: "hns-queue", context: BasicRequestContext.self)
        HealthRoutes.add(to: router, daemon: "hns-queue", checks: [
            ReadinessCheck(name: "redis") { _ = try await redis.send(["PING"]); return nil },
        ])
        return Application(router: router, configuration: config.http.applicationConfiguration, services: [redis], logger: logger)
    }
}
