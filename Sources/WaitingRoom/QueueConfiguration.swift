import Foundation
import HNSCore
import HNSRedis

/// Everything `hns-queue` reads from its environment, parsed once.
public struct QueueConfiguration: Sendable {
    public var http: HTTPSettings
    public var redis: RedisConfiguration

    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws -> QueueConfiguration {
        let env = EnvironmentReader(values)
        let http = HTTPSettings.read(env, portVariable: "HNS_QUEUE_PORT", defaultPort: 8081)
        var redis: RedisConfiguration?
        let raw = env.require("HNS_REDIS_URL", hint: "redis://host:6379/0")
        if !raw.isEmpty {
            do { redis = try RedisConfiguration(url: raw) } catch { env.problem("HNS_REDIS_URL is not a valid redis:// URL (\(error))") }
        }
        try env.validate("hns-queue")
        return QueueConfiguration(http: http, redis: redis!)
    }
}
