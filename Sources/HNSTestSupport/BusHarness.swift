import AsyncHTTPClient
import EventBus
import Foundation
import HNSBus
import HNSCore
import Logging
import PostgresNIO

/// A bus on a fresh database with a config written by the test, plus helpers to publish and inspect.
public struct BusHarness: Sendable {
    public static let publisherToken = "publisher-token-0123456789"
    public static let adminToken = "admin-token-0123456789abcdef"
    public static let subscriberToken = "subscriber-token-0123456789"
    public static let routerToken = "router-token-0123456789abcd"

    public let db: TestDatabase
    public let config: EventBusConfiguration
    public var baseURL: String { "http://127.0.0.1:\(self.config.http.port)" }

    public static var environment: [String: String] {
        ["BUS_PUB": publisherToken, "BUS_SUB": subscriberToken, "BUS_ROUTER": routerToken]
    }

    /// `subscriptions` is YAML for the `subscriptions:` list (indented by two spaces).
    public static func configuration(db: TestDatabase, port: Int, subscriptions: String, streamExtra: String = "") throws -> EventBusConfiguration {
        let yaml = """
            stream:
              name: test_events
              subjects: ["order.>", "ticket.>", "stripe.>", "mail.>"]
              max_age: 72h
              duplicate_window: 1h
              max_msg_size: 4KiB
            \(streamExtra)
            publishers:
              - name: tester
                token_env: BUS_PUB
                allow: ["order.>", "ticket.>", "mail.>"]
              - name: router
                token_env: BUS_ROUTER
                allow: ["stripe.>"]
            subscriptions:
            \(subscriptions)
            """
        let stream = try StreamConfig.parse(yaml, environment: environment)
        var config = EventBusConfiguration(
            http: HTTPSettings(bind: "127.0.0.1", port: port, logLevel: .warning),
            postgres: db.configuration, stream: stream, adminToken: Secret(adminToken))
        config.safetyPoll = .seconds(30)  // deliveries must come from NOTIFY, not the poll
        config.retentionInterval = .seconds(3600)
        return config
    }

    public static func logger() -> Logger {
        var logger = Logger(label: "test.bus")
        logger.logLevel = .critical
        return logger
    }

    /// Starts a bus; `body` runs while it serves.
    public static func with<T: Sendable>(
        subscriptions: String = "  []", db existing: TestDatabase? = nil,
        tune: @Sendable (inout EventBusConfiguration) -> Void = { _ in },
        _ body: @Sendable (BusHarness, EventBusApp) async throws -> T
    ) async throws -> T {
        let db: TestDatabase
        if let existing { db = existing } else { db = try await TestDatabase.create(migrating: ["eventbus"]) }
        let port = try await ChildProcess.freePort()
        var config = try configuration(db: db, port: port, subscriptions: subscriptions)
        tune(&config)
        let app = EventBusApp.build(configuration: config, logger: logger())
        let harness = BusHarness(db: db, config: config)
        let result = try await withRunningService(app.application, port: port) { try await body(harness, app) }
        if existing == nil { await db.drop() }
        return result
    }

    @discardableResult
    public func publish(_ subject: String, _ json: String, msgID: String? = nil, token: String = BusHarness.publisherToken) async throws
        -> TestHTTP.Reply
    {
        var headers = ["Authorization": "Bearer \(token)"]
        // Always a Msg-Id, so a request the loaded test machine drops can be sent again safely.
        headers["Msg-Id"] = msgID ?? "test-" + UUID().uuidString
        return try await TestHTTP.post(self.baseURL + "/v1/publish/" + subject, headers: headers, json: json)
    }

    public func admin(_ method: String, _ path: String, json: String? = nil) async throws -> TestHTTP.Reply {
        try await TestHTTP.send(
            method, self.baseURL + path, headers: ["Authorization": "Bearer \(Self.adminToken)", "Content-Type": "application/json"],
            body: json.map { Array($0.utf8) })
    }

    /// The `data` column of the message matching `condition` (SQL), exactly as stored.
    public func storedData(where condition: String) async throws -> String? {
        try await self.db.withClient { client in
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT data FROM eventbus.messages WHERE \(condition)"), logger: BusHarness.logger())
            for try await d in rows.decode(String.self) { return d }
            return nil
        }
    }

    /// Moves every stored message (and its dedupe entry) `by` into the past. The bus measures ages by
    /// PostgreSQL's clock, so this is how a test lets time pass for retention and replay without sleeping.
    public func age(by duration: Duration) async throws {
        let millis = duration.milliseconds
        try await self.db.withClient { client in
            for table in ["eventbus.messages", "eventbus.dedupe"] {
                try await client.query(
                    PostgresQuery(unsafeSQL: "UPDATE \(table) SET published_at = published_at - make_interval(secs => \(millis) / 1000.0)"),
                    logger: BusHarness.logger())
            }
        }
    }

    public func count(_ sql: String) async throws -> Int {
        try await self.db.withClient { client in
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: BusHarness.logger())
            for try await n in rows.decode(Int.self) { return n }
            return 0
        }
    }
}

extension LocalHTTPServer.Recorded {
    public var seq: Int { Int(self.header("Event-Seq") ?? "") ?? -1 }
    public var attempt: Int { Int(self.header("Delivery-Attempt") ?? "") ?? -1 }
}

public func subscription(_ name: String, filter: String, url: String, extra: String = "") -> String {
    """
      - name: \(name)
        filter: "\(filter)"
        url: \(url)
        token_env: BUS_SUB
        backoff: [50ms, 100ms]
        timeout: 2s
    \(extra.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    """
}
