import ArgumentParser
import HNSCore
import HNSRedis
import Hummingbird
import Logging

public struct QueueCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hns-queue",
        abstract: "The HNS waiting room.",
        subcommands: [Serve.self, Script.self],
        defaultSubcommand: Serve.self)

    public init() {}

    /// Prints a Lua script the queue runs, e.g. to measure it with `redis-benchmark` (scripts/bench-queue).
    struct Script: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "script", abstract: "Print one of the queue's Lua scripts (join, status).")
        @Argument var name: String

        func run() throws {
            switch self.name {
            case "join": print(QueueScripts.join.source)
            case "status": print(QueueScripts.status.source)
            default: throw ValidationError("unknown script \(self.name); known: join, status")
            }
        }
    }

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
