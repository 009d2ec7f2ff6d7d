import ArgumentParser
import HNSCore
import Hummingbird
import Logging

public struct StripeRouterCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hns-stripe-router",
        abstract: "The single Stripe webhook entry: verify once, route by metadata.site, publish to the bus.",
        subcommands: [Serve.self, CheckConfig.self],
        defaultSubcommand: Serve.self)

    public init() {}

    static func load() throws -> StripeRouterConfiguration {
        do { return try StripeRouterConfiguration.fromEnvironment() } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the webhook endpoint (default).")
        func run() async throws {
            let config = try StripeRouterCommand.load()
            LoggingBootstrap.bootstrap(level: config.http.logLevel)
            HNSMetrics.bootstrap()
            let logger = Logger.daemon("hns-stripe-router", level: config.http.logLevel)
            try await StripeRouterApp.build(configuration: config, logger: logger).runService()
        }
    }

    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the configuration and routing table.")
        func run() async throws {
            let config = try StripeRouterCommand.load()
            let table = try RoutingTable.load(path: config.routesPath)
            print(
                "configuration OK: \(config.secrets.count) signing secret(s), routing table \(table.version) "
                    + "(\(table.sites.count) sites, \(table.eventTypes.count) event-type patterns, default \(table.defaultSubject ?? "none"))")
        }
    }
}
