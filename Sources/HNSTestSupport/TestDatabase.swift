import Foundation
import HNSPostgres
import Logging
import PostgresNIO

/// A fresh database per test (or suite) on the run's PostgreSQL, migrated for the groups asked for,
/// dropped afterwards. Tests never share rows.
public struct TestDatabase: Sendable {
    public let name: String
    public let url: String

    public var configuration: PostgresClient.Configuration {
        var config = try! PostgresURL.configuration(from: self.url)
        config.options.maximumConnections = 30
        return config
    }

    static let logger: Logger = {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .error
        return logger
    }()

    /// Creates the database and applies `Migrations/<group>` for each group.
    public static func create(migrating groups: [String] = []) async throws -> TestDatabase {
        let admin = TestEnvironment.databaseURL
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await self.withAdmin(admin) { client in
            try await client.query("CREATE DATABASE \(unescaped: name)", logger: self.logger)
        }
        var components = URLComponents(string: admin)!
        components.path = "/" + name
        let db = TestDatabase(name: name, url: components.string!)
        if !groups.isEmpty {
            try await db.withClient { client in
                for group in groups {
                    let migrator = try Migrator(group: group, directory: TestEnvironment.migrationsDir + "/" + group)
                    try await migrator.migrate(client: client, logger: self.logger)
                }
            }
        }
        return db
    }

    public func drop() async {
        try? await Self.withAdmin(TestEnvironment.databaseURL) { client in
            try await client.query("DROP DATABASE IF EXISTS \(unescaped: self.name) WITH (FORCE)", logger: Self.logger)
        }
    }

    /// Runs `body` with a running client on this database.
    public func withClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await Self.withClient(self.configuration, body)
    }

    public static func withClient<T: Sendable>(_ config: PostgresClient.Configuration, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await PostgresClient(configuration: config, backgroundLogger: self.logger).withRunning(body)
    }

    static func withAdmin(_ url: String, _ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        try await self.withClient(try PostgresURL.configuration(from: url), body)
    }
}
