import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import HNSTestSupport
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing
import WaitingRoom

/// One or more in-process hns-queue instances on a real Redis, each test under its own key prefix.
struct QueueHarness: Sendable {
    static let issuer = "https://hns.hr/drupal-test"
    static let audience = "hns-queue"
    static let identitySecret = "test-identity-secret-0123456789-abcdefghij"
    static let signingKey = "test-queue-signing-key-0123456789-abcdefgh"
    static let serviceToken = "test-queue-service-token-0123456789"

    let urls: [String]
    let redis: RedisClient
    let prefix: String
    /// Set when the test moves time by hand; every instance then reads it.
    var clock: ManualClock? = nil
    var url: String { self.urls[0] }

    static var environment: [String: String] {
        [
            "HNS_IDENTITY_ISSUER": issuer, "HNS_IDENTITY_AUDIENCE": audience, "HNS_IDENTITY_HS256_SECRET": identitySecret,
            "HNS_QUEUE_SIGNING_KEY": signingKey, "HNS_QUEUE_SERVICE_TOKEN": serviceToken,
        ]
    }

    static func logger() -> Logger {
        var logger = Logger(label: "test.queue")
        logger.logLevel = .warning
        return logger
    }

    /// Fast loops so tests take seconds, not minutes.
    static func configuration(redisURL: String, port: Int, prefix: String, instance: String) throws -> QueueConfiguration {
        var env = Self.environment
        env["HNS_REDIS_URL"] = redisURL
        env["HNS_QUEUE_PORT"] = String(port)
        var config = try QueueConfiguration.fromEnvironment(env)
        config.http.logLevel = .warning
        config.keyPrefix = prefix
        config.instanceID = instance
        config.tick = .milliseconds(100)
        config.lockTTL = .milliseconds(1500)
        config.updateInterval = .milliseconds(500)
        config.heartbeat = .seconds(1)
        return config
    }

    static func with<T: Sendable>(
        instances: Int = 1, clock: ManualClock? = nil, configure: @escaping @Sendable (inout QueueConfiguration) -> Void = { _ in },
        _ body: @Sendable (QueueHarness) async throws -> T
    ) async throws -> T {
        let redisURL = try await RedisTestServer.sharedURL()
        let prefix = "test:" + String(UUID().uuidString.prefix(8)).lowercased() + ":"
        return try await RedisTestServer.withClient(url: redisURL) { redis in
            try await Self.start(count: instances, redisURL: redisURL, prefix: prefix, clock: clock, configure: configure, urls: []) { urls in
                try await body(QueueHarness(urls: urls, redis: redis, prefix: prefix, clock: clock))
            }
        }
    }

    private static func start<T: Sendable>(
        count: Int, redisURL: String, prefix: String, clock: ManualClock?, configure: @escaping @Sendable (inout QueueConfiguration) -> Void,
        urls: [String],
        _ body: @Sendable ([String]) async throws -> T
    ) async throws -> T {
        if urls.count == count { return try await body(urls) }
        let port = try await ChildProcess.freePort()
        var config = try Self.configuration(redisURL: redisURL, port: port, prefix: prefix, instance: "test-\(urls.count)")
        configure(&config)
        let app = await QueueApp.build(configuration: config, logger: Self.logger(), clock: clock?.wallClock ?? .system)
        return try await withRunningService(app, port: port) {
            try await Self.start(
                count: count, redisURL: redisURL, prefix: prefix, clock: clock, configure: configure,
                urls: urls + ["http://127.0.0.1:\(port)"], body)
        }
    }

    // MARK: - Tokens and calls

    static func userToken(_ user: String, roles: [String] = ["customer"], amr: [String] = ["pwd"], expiresIn: Duration = .seconds(300)) async throws
        -> String
    {
        let claims = JWKSTestServer.claims(issuer: issuer, audience: audience, subject: user, roles: roles, amr: amr, expiresIn: expiresIn)
        return try await JWKSTestServer.mint(claims: claims, signature: .hs256(secret: identitySecret), kid: .omitted)
    }

    func putQueue(_ match: String, _ json: String, auth: String = "Bearer " + QueueHarness.serviceToken) async throws -> TestHTTP.Reply {
        try await TestHTTP.send(
            "PUT", self.url + "/v1/queues/\(match)", headers: ["Authorization": auth, "Content-Type": "application/json"], body: Array(json.utf8))
    }

    /// A queue open now (or in pre-queue), with settings for a test.
    func openQueue(
        _ match: String, state: String = "open", perMinute: Int = 600, windows: Int = 100, windowMinutes: Double = 20, startsIn: TimeInterval = 0
    ) async throws {
        let starts = ISO8601DateFormatter().string(from: Date().addingTimeInterval(startsIn))
        let reply = try await self.putQueue(
            match,
            #"{"sale_starts_at":"\#(starts)","admission_per_minute":\#(perMinute),"max_active_windows":\#(windows),"window_minutes":\#(windowMinutes),"state":"\#(state)"}"#
        )
        #expect(reply.status == 201, "\(reply.text)")
    }

    func join(_ match: String, user: String, url: String? = nil) async throws -> TestHTTP.Reply {
        let token = try await Self.userToken(user)
        return try await TestHTTP.send("POST", (url ?? self.url) + "/v1/queues/\(match)/join", headers: ["Authorization": "Bearer \(token)"])
    }

    func joinOK(_ match: String, user: String, url: String? = nil) async throws -> (ticket: String, queueID: String, body: JSONValue) {
        let reply = try await self.join(match, user: user, url: url)
        #expect(reply.status == 201 || reply.status == 200, "\(reply.status) \(reply.text)")
        let json = try #require(reply.json)
        return (try #require(json["queue_ticket"]?.stringValue), try #require(json["queue_id"]?.stringValue), json)
    }

    func position(_ match: String, ticket: String, url: String? = nil) async throws -> JSONValue {
        let reply = try await TestHTTP.get((url ?? self.url) + "/v1/queues/\(match)/position", headers: ["X-Queue-Ticket": ticket])
        guard reply.status == 200, let json = reply.json else { throw UnexpectedReply(status: reply.status, text: reply.text) }
        return json
    }

    func overview(_ match: String) async throws -> JSONValue {
        let reply = try await TestHTTP.get(self.url + "/v1/queues/\(match)", headers: ["Authorization": "Bearer " + Self.serviceToken])
        #expect(reply.status == 200, "\(reply.text)")
        return try #require(reply.json)
    }

    /// The `queue.*` events of this test, oldest first.
    func events(type: String? = nil, match: String? = nil) async throws -> [[String: String]] {
        let reply = try await self.redis.send(["XRANGE", RESPArg(self.prefix + "events:queue"), "-", "+"])
        var out: [[String: String]] = []
        for entry in reply.array ?? [] {
            guard let fields = entry.array?.last?.array else { continue }
            var map: [String: String] = [:]
            var i = 0
            while i + 1 < fields.count {
                map[fields[i].string ?? ""] = fields[i + 1].string ?? ""
                i += 2
            }
            if let type, map["type"] != type { continue }
            if let match, map["match_id"] != match { continue }
            out.append(map)
        }
        return out
    }

    func key(_ match: String, _ suffix: String) -> String { self.prefix + "queue:\(match):\(suffix)" }

    /// Returns once an admission tick that started after this call has finished for `match` (each tick
    /// ends by stamping the bucket with its time), so a test can say "nothing more happened" without
    /// sleeping. With a manual clock, time first moves by a millisecond so that the tick is told apart.
    func nextTick(_ match: String) async throws {
        if let clock { clock.advance(by: .milliseconds(1)) }
        let after = Int64(((self.clock?.now ?? Date()).timeIntervalSince1970 * 1000).rounded(.down)) + (self.clock == nil ? 1 : 0)
        let ticked = try await eventually(timeout: .seconds(10)) {
            let stamp = try await self.redis.send(["HGET", RESPArg(self.key(match, "config")), "bucket_at"]).string.flatMap { Int64($0) } ?? 0
            return stamp >= after
        }
        #expect(ticked, "no admission tick for \(match)")
    }
}

struct DeadlinePassed: Error {}

/// Runs `body`, failing instead of hanging when it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw DeadlinePassed()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

struct UnexpectedReply: Error, CustomStringConvertible {
    let status: Int
    let text: String
    var description: String { "HTTP \(self.status): \(self.text)" }
}

extension JSONValue {
    var arrayValue: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }

    var intValue: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }
}

/// A WebSocket client that records every text message it receives.
final class SocketProbe: Sendable {
    let messages = Mutex<[JSONValue]>([])
    let closed = Mutex(false)
    private let writer: Mutex<WebSocketOutboundWriter?> = Mutex(nil)

    var all: [JSONValue] { self.messages.withLock { $0 } }
    var last: JSONValue? { self.all.last }
    func count(type: String) -> Int { self.all.filter { $0["type"]?.stringValue == type }.count }

    /// Connects to `url`; sends `firstMessage` if given, else the ticket goes in a header.
    static func connect(_ url: String, ticket: String, inHeader: Bool = false) -> SocketProbe {
        let probe = SocketProbe()
        Task {
            var headers = HTTPFields()
            if inHeader { headers[HTTPField.Name("X-Queue-Ticket")!] = ticket }
            let wsURL = url.replacingOccurrences(of: "http://", with: "ws://")
            _ = try? await WebSocketClient.connect(url: wsURL, configuration: .init(additionalHeaders: headers), logger: QueueHarness.logger()) {
                inbound, outbound, _ in
                probe.writer.withLock { $0 = outbound }
                if !inHeader { try await outbound.write(.text(#"{"queue_ticket":"\#(ticket)"}"#)) }
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    guard case .text(let text) = message, let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                        continue
                    }
                    probe.messages.withLock { $0.append(json) }
                }
            }
            probe.closed.withLock { $0 = true }
        }
        return probe
    }

    func close() async {
        let writer = self.writer.withLock { $0 }
        try? await writer?.close(.normalClosure, reason: nil)
    }
}
