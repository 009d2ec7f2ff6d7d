import ArgumentParser
import HNSCore
import Hummingbird
import Logging

public struct QueueCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hns-queue",
        abstract: "The HNS waiting room.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self)

    public init() {}

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the waiting room (default).")
        func run() async throws {
            let config: QueueConfiguration
            do { config = try QueueConfiguration.fromEnvironment() } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            LoggingBootstrap.bootstrap(level: config.http.logLevel)
            HNSMetrics.bootstrap()
            let logger = Logger.daemon("hns-queue", level: config.http.logLevel)
            let app = await QueueApp.build(configuration: config, logger: logger)
            try await app.runService()
        }
    }
}
