import Foundation
import HNSCore
import HNSIdentity
import HNSRedis

/// Everything `hns-queue` reads from its environment, parsed once.
public struct QueueConfiguration: Sendable {
    public var http: HTTPSettings
    public var redis: RedisConfiguration
    public var identity: IdentityConfiguration
    /// Signs purchase tokens (HS256, the key the monolith verifies with).
    public var signingKey: HS256Key
    /// Raw bytes of the same secret; queue tickets are signed with a key derived from it.
    public var ticketSecret: Secret
    /// `Authorization: Bearer <token>` that lets the monolith use the operator API.
    public var serviceToken: Secret
    /// Key namespace; the contracts name `hns:` keys, tests give each run its own prefix.
    public var keyPrefix = "hns:"
    /// Names this process in leader locks and socket claims.
    public var instanceID: String = QueueConfiguration.defaultInstanceID()

    /// How often the admission loop runs for each match (`HNS_QUEUE_TICK`).
    public var tick: Duration = .seconds(1)
    /// Leader lock lifetime; renewed every tick, taken over when it lapses (`HNS_QUEUE_LOCK_TTL`).
    public var lockTTL: Duration = .seconds(5)
    /// How often each instance pushes positions to its local sockets (`HNS_QUEUE_UPDATE_INTERVAL`).
    public var updateInterval: Duration = .seconds(2)
    /// An unchanged position is re-sent after this long, so every client hears from us at least every 5 s
    /// (`HNS_QUEUE_HEARTBEAT`).
    public var heartbeat: Duration = .seconds(4)
    /// A waiting fan not seen (no socket, SSE stream or poll) for this long is removed (`HNS_QUEUE_IDLE_TIMEOUT`).
    public var idleTimeout: Duration = .seconds(90)
    /// WebSocket ping period; a socket that misses a pong is closed (`HNS_QUEUE_PING_INTERVAL`).
    public var pingInterval: Duration = .seconds(20)
    /// Joins per user and per client IP within one minute (`HNS_QUEUE_JOIN_LIMIT_USER`, `HNS_QUEUE_JOIN_LIMIT_IP`).
    public var joinLimitPerUser = 20
    public var joinLimitPerIP = 600
    /// How long a queue ticket is accepted (`HNS_QUEUE_TICKET_TTL`).
    public var ticketTTL: Duration = .seconds(24 * 3600)
    /// Fans admitted per match per tick at most, to bound one script's run time.
    public var maxAdmitPerTick = 500

    public init(
        http: HTTPSettings, redis: RedisConfiguration, identity: IdentityConfiguration, signingKey: HS256Key, ticketSecret: Secret,
        serviceToken: Secret
    ) {
        self.http = http
        self.redis = redis
        self.identity = identity
        self.signingKey = signingKey
        self.ticketSecret = ticketSecret
        self.serviceToken = serviceToken
    }

    public static func defaultInstanceID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6).lowercased())"
    }

    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws -> QueueConfiguration {
        let env = EnvironmentReader(values)
        let http = HTTPSettings.read(env, portVariable: "HNS_QUEUE_PORT", defaultPort: 8081)
        var redis: RedisConfiguration?
        let raw = env.require("HNS_REDIS_URL", hint: "redis://host:6379/0")
        if !raw.isEmpty {
            do { redis = try RedisConfiguration(url: raw, poolSize: env.int("HNS_QUEUE_REDIS_POOL", default: 8, range: 1...64)) } catch {
                env.problem("HNS_REDIS_URL is not a valid redis:// URL (\(error))")
            }
        }
        let identity = IdentityConfiguration.read(env)
        let signingKey = PurchaseToken.readSigningKey(env)
        let ticketSecret = env.secret(PurchaseToken.signingKeyVariable)
        let serviceToken = env.requireSecret("HNS_QUEUE_SERVICE_TOKEN", minimumLength: 16)
        let tick = env.duration("HNS_QUEUE_TICK", default: .seconds(1))
        let lockTTL = env.duration("HNS_QUEUE_LOCK_TTL", default: .seconds(5))
        let update = env.duration("HNS_QUEUE_UPDATE_INTERVAL", default: .seconds(2))
        let heartbeat = env.duration("HNS_QUEUE_HEARTBEAT", default: .seconds(4))
        let idle = env.duration("HNS_QUEUE_IDLE_TIMEOUT", default: .seconds(90))
        let ping = env.duration("HNS_QUEUE_PING_INTERVAL", default: .seconds(20))
        let ticketTTL = env.duration("HNS_QUEUE_TICKET_TTL", default: .seconds(24 * 3600))
        let perUser = env.int("HNS_QUEUE_JOIN_LIMIT_USER", default: 20, range: 1...1_000_000)
        let perIP = env.int("HNS_QUEUE_JOIN_LIMIT_IP", default: 600, range: 1...100_000_000)
        let instance = env.string("HNS_QUEUE_INSTANCE_ID")
        if tick <= .zero { env.problem("HNS_QUEUE_TICK must be positive") }
        if lockTTL <= tick { env.problem("HNS_QUEUE_LOCK_TTL must be longer than HNS_QUEUE_TICK") }
        if update <= .zero || update > .seconds(5) {
            env.problem("HNS_QUEUE_UPDATE_INTERVAL must be between 0 and 5s (clients hear from us at least every 5 s)")
        }
        if heartbeat <= .zero || heartbeat > .seconds(5) { env.problem("HNS_QUEUE_HEARTBEAT must be between 0 and 5s") }
        try env.validate("hns-queue")
        var config = QueueConfiguration(
            http: http, redis: redis!, identity: identity!, signingKey: signingKey!, ticketSecret: ticketSecret!, serviceToken: serviceToken)
        config.tick = tick
        config.lockTTL = lockTTL
        config.updateInterval = update
        config.heartbeat = heartbeat
        config.idleTimeout = idle
        config.pingInterval = ping
        config.ticketTTL = ticketTTL
        config.joinLimitPerUser = perUser
        config.joinLimitPerIP = perIP
        if let instance { config.instanceID = instance }
        return config
    }
}
