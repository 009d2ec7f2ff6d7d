import Foundation
import HNSCore
import HNSPostgres
import PostgresNIO

/// Everything `hns-eventbus` reads from its environment, parsed once.
public struct EventBusConfiguration: Sendable {
    public var http: HTTPSettings
    public var postgres: PostgresClient.Configuration
    public var stream: StreamConfig
    public var adminToken: Secret?
    /// How often a worker looks for work when no notification came (missed NOTIFY, other instance).
    public var safetyPoll: Duration = .seconds(2)
    public var retentionInterval: Duration = .seconds(60)
    /// Subscriptions removed from the config keep their cursor this long, in case they come back.
    public var removedSubscriptionTTL: Duration = .seconds(7 * 86400)
    /// Warn when a subscription's oldest pending message is this close to expiry.
    public var expiryWarning: Duration = .seconds(12 * 3600)
    public var instanceID: String = EventBusConfiguration.makeInstanceID()

    public init(http: HTTPSettings, postgres: PostgresClient.Configuration, stream: StreamConfig, adminToken: Secret?) {
        self.http = http
        self.postgres = postgres
        self.stream = stream
        self.adminToken = adminToken
    }

    /// `HNS_EVENTBUS_DATABASE_URL` (falls back to `HNS_DATABASE_URL`), `HNS_EVENTBUS_CONFIG`,
    /// `HNS_EVENTBUS_ADMIN_TOKEN`, `HNS_EVENTBUS_PORT`, `HNS_BIND`, `HNS_LOG_LEVEL`.
    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws -> EventBusConfiguration {
        let env = EnvironmentReader(values)
        let http = HTTPSettings.read(env, portVariable: "HNS_EVENTBUS_PORT", defaultPort: 8083)
        let postgres = PostgresURL.read("HNS_EVENTBUS_DATABASE_URL", from: env, fallback: "HNS_DATABASE_URL")
        let configPath = env.require("HNS_EVENTBUS_CONFIG", hint: "path of the stream-config YAML file or folder")
        let admin = env.secret("HNS_EVENTBUS_ADMIN_TOKEN")
        if let admin, admin.value.utf8.count < 16 { env.problem("HNS_EVENTBUS_ADMIN_TOKEN must be at least 16 bytes") }
        var stream: StreamConfig?
        if !configPath.isEmpty {
            do { stream = try StreamConfig.load(path: configPath, environment: values) } catch let invalid as StreamConfig.Invalid {
                for p in invalid.problems { env.problem("HNS_EVENTBUS_CONFIG: \(p)") }
            } catch {
                env.problem("HNS_EVENTBUS_CONFIG: \(error)")
            }
        }
        try env.validate("hns-eventbus")
        var config = EventBusConfiguration(http: http, postgres: postgres!, stream: stream!, adminToken: admin)
        config.postgres.options.maximumConnections = env.int("HNS_EVENTBUS_DB_CONNECTIONS", default: 40, range: 4...500)
        return config
    }

    static func makeInstanceID() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
