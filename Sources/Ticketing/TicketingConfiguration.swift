import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import PostgresNIO

/// Everything `hns-ticketing` reads from its environment, parsed once.
public struct TicketingConfiguration: Sendable {
    public var http: HTTPSettings
    public var postgres: PostgresClient.Configuration
    public var redis: RedisConfiguration
    public var eventBusURL: String?
    public var eventBusToken: Secret?
    public var identity: IdentityConfiguration
    /// How long a cart hold keeps its seats (seed: 15 min).
    public var holdTTL: Duration
    /// How often the sweeper releases holds whose time is up, in case Redis lost the expiring key.
    public var holdSweepInterval: Duration
    /// How often the Redis availability projection is re-pushed from the exact counters.
    public var availabilityRefreshInterval: Duration

    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws -> TicketingConfiguration {
        let env = EnvironmentReader(values)
        let http = HTTPSettings.read(env, portVariable: "HNS_TICKETING_PORT", defaultPort: 8080)
        let postgres = PostgresURL.read("HNS_DATABASE_URL", from: env)
        let redis = readRedis(env)
        let busURL = env.url("HNS_EVENTBUS_URL", schemes: ["http", "https"], required: false)
        let busToken = env.secret("HNS_EVENTBUS_TOKEN")
        if busURL != nil, busToken == nil { env.problem("HNS_EVENTBUS_TOKEN is required when HNS_EVENTBUS_URL is set") }
        let identity = IdentityConfiguration.read(env)
        let holdTTL = env.duration("HNS_HOLD_TTL", default: .seconds(15 * 60))
        let sweep = env.duration("HNS_HOLD_SWEEP_INTERVAL", default: .seconds(30))
        let refresh = env.duration("HNS_AVAILABILITY_REFRESH_INTERVAL", default: .seconds(10))
        try env.validate("hns-ticketing")
        return TicketingConfiguration(
            http: http, postgres: postgres!, redis: redis!, eventBusURL: busURL?.absoluteString, eventBusToken: busToken,
            identity: identity!, holdTTL: holdTTL, holdSweepInterval: sweep, availabilityRefreshInterval: refresh)
    }
}

/// `HNS_REDIS_URL`, recording a problem when missing or malformed.
func readRedis(_ env: EnvironmentReader) -> RedisConfiguration? {
    let raw = env.require("HNS_REDIS_URL", hint: "redis://host:6379/0")
    guard !raw.isEmpty else { return nil }
    do {
        return try RedisConfiguration(url: raw)
    } catch {
        env.problem("HNS_REDIS_URL is not a valid redis:// URL (\(error))")
        return nil
    }
}
