import ArgumentParser
import HNSCore
import HNSPostgres
import HNSRedis
import Hummingbird
import Logging

public struct TicketingCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hns-ticketing",
        abstract: "The HNS ticketing monolith.",
        subcommands: [Serve.self, Migrate.self, SeedDemo.self, DevToken.self],
        defaultSubcommand: Serve.self)

    public init() {}

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the ticketing API (default).")
        func run() async throws {
            let config: TicketingConfiguration
            do { config = try TicketingConfiguration.fromEnvironment() } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            LoggingBootstrap.bootstrap(level: config.http.logLevel)
            HNSMetrics.bootstrap()
            let logger = Logger.daemon("hns-ticketing", level: config.http.logLevel)
            try await TicketingApp.build(configuration: config, logger: logger).runService()
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the monolith's SQL migrations.")
        @OptionGroup var options: MigrateOptions

        func run() async throws {
            try await self.options.run(daemon: "hns-ticketing", group: "ticketing", variable: "HNS_DATABASE_URL")
        }
    }
}

extension TicketingCommand {
    /// Demo data for development: the two demo grounds and a HOME match on sale at the larger.
    struct SeedDemo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-demo", abstract: "Import the demo stadiums and create a demo match on sale (idempotent).")

        func run() async throws {
            let config: TicketingConfiguration
            do { config = try TicketingConfiguration.fromEnvironment() } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            var logger = Logger(label: "hns-ticketing.seed")
            logger.logLevel = .warning
            let modules = TicketingModules(configuration: config, logger: logger)
            let summary = try await modules.postgres.withRunning { _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await modules.redis.run() }
                    defer { group.cancelAll() }
                    return try await DemoData.seed(modules)
                }
            }
            print(summary)
        }
    }
}
