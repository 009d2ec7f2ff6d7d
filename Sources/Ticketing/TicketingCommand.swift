import ArgumentParser
import HNSCore
import HNSPostgres
import Hummingbird
import Logging

public struct TicketingCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hns-ticketing",
        abstract: "The HNS ticketing monolith.",
        subcommands: [Serve.self, Migrate.self],
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
