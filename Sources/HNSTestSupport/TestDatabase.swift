import Foundation
import HNSPostgres
import Logging
import PostgresNIO

/// A fresh database per test (or suite) on the run's PostgreSQL, a copy of a template migrated for the
/// groups asked for, dropped afterwards. Tests never share rows.
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

    /// Creates the database, a copy of a template migrated once per run for `groups` (each of
    /// `Migrations/<group>`, in order): `CREATE DATABASE … TEMPLATE` copies files, where migrating
    /// every test's database ran every migration again.
    public static func create(migrating groups: [String] = []) async throws -> TestDatabase {
        let admin = TestEnvironment.databaseURL
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let template = groups.isEmpty ? nil : try await Templates.shared.template(for: groups)
        try await self.withAdmin(admin) { client in
            try await Self.createDatabase(name, template: template, client: client)
        }
        return TestDatabase(name: name, url: Self.url(of: name))
    }

    static func url(of name: String) -> String {
        var components = URLComponents(string: TestEnvironment.databaseURL)!
        components.path = "/" + name
        return components.string!
    }

    /// `CREATE DATABASE`, waiting out a moment in which another session still holds the template
    /// (PostgreSQL refuses to copy a database someone is connected to).
    static func createDatabase(_ name: String, template: String?, client: PostgresClient) async throws {
        var attempt = 0
        while true {
            do {
                if let template {
                    try await client.query("CREATE DATABASE \(unescaped: name) TEMPLATE \(unescaped: template)", logger: self.logger)
                } else {
                    try await client.query("CREATE DATABASE \(unescaped: name)", logger: self.logger)
                }
                return
            } catch  where SQLState.of(error) == "55006" && attempt < 50 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The migrated templates of this run, one per list of groups and content of their migrations:
    /// made once, then reused by every database of the run (and of later runs on the same server,
    /// as long as no migration changed).
    actor Templates {
        static let shared = Templates()
        private var made: [String: Task<String, any Error>] = [:]

        func template(for groups: [String]) async throws -> String {
            let name = try Self.name(for: groups)
            if let task = self.made[name] { return try await task.value }
            let task = Task { try await Self.make(name, groups: groups) }
            self.made[name] = task
            return try await task.value
        }

        /// `tpl_` and a hash of the groups and every migration file's name and content.
        static func name(for groups: [String]) throws -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            func mix(_ bytes: some Sequence<UInt8>) { for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 } }
            for group in groups {
                mix(group.utf8)
                let directory = TestEnvironment.migrationsDir + "/" + group
                for file in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() where file.hasSuffix(".sql") {
                    mix(file.utf8)
                    mix(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
                }
            }
            return "tpl_" + String(hash, radix: 16)
        }

        /// Migrates a database of its own, then renames it to `name`, so a template that exists is
        /// always complete; when another run made it first, its copy is kept and ours dropped.
        static func make(_ name: String, groups: [String]) async throws -> String {
            let admin = TestEnvironment.databaseURL
            let exists = try await TestDatabase.withAdmin(admin) { client in
                try await client.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: TestDatabase.logger).decode(Int.self)
                    .reduce(false) { _, _ in true }
            }
            if exists { return name }
            let building = name + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
            try await TestDatabase.withAdmin(admin) { client in
                try await client.query("CREATE DATABASE \(unescaped: building)", logger: TestDatabase.logger)
            }
            let db = TestDatabase(name: building, url: TestDatabase.url(of: building))
            try await db.withClient { client in
                for group in groups {
                    let migrator = try Migrator(group: group, directory: TestEnvironment.migrationsDir + "/" + group)
                    try await migrator.migrate(client: client, logger: TestDatabase.logger)
                }
            }
            do {
                try await TestDatabase.withAdmin(admin) { client in
                    try await client.query("ALTER DATABASE \(unescaped: building) RENAME TO \(unescaped: name)", logger: TestDatabase.logger)
                }
            } catch  where SQLState.of(error) == "42P04" {
                await db.drop()
            }
            return name
        }
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

    public static func withClient<T: Sendable>(_ config: PostgresClient.Configuration, _ body: @Sendable (PostgresClient) async throws -> T)
        async throws -> T
    {
        try await PostgresClient(configuration: config, backgroundLogger: self.logger).withRunning(body)
    }

    static func withAdmin<T: Sendable>(_ url: String, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await self.withClient(try PostgresURL.configuration(from: url), body)
    }
}
