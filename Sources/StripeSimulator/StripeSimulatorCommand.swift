import ArgumentParser
import HNSCore
import Hummingbird
import Logging

public struct StripeSimulatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hns-stripe-sim",
        abstract: "A local stand-in for Stripe's REST API and webhooks, for development and tests (not deployed).",
        subcommands: [Serve.self, CheckConfig.self],
        defaultSubcommand: Serve.self)

    public init() {}

    static func load() throws -> StripeSimulatorConfiguration {
        do { return try StripeSimulatorConfiguration.fromEnvironment() } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the simulated Stripe API (default).")
        func run() async throws {
            let config = try StripeSimulatorCommand.load()
            LoggingBootstrap.bootstrap(level: config.http.logLevel)
            HNSMetrics.bootstrap()
            let logger = Logger.daemon("hns-stripe-sim", level: config.http.logLevel)
            try await StripeSimulatorApp.build(configuration: config, logger: logger).runService()
        }
    }

    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the configuration.")
        func run() async throws {
            let config = try StripeSimulatorCommand.load()
            let auto = config.autoConfirm.map { "\($0.rawValue) after \(config.autoConfirmDelay)" } ?? "off"
            print("configuration OK: port \(config.http.port), webhooks \(config.webhookURL ?? "off"), auto-confirm \(auto)")
        }
    }
}
