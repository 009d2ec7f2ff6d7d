import ArgumentParser
import Foundation
import HNSCore
import HNSPostgres
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

public struct EventBusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hns-eventbus",
        abstract: "The HNS event bus: a replayable log in PostgreSQL delivered to HTTP subscribers.",
        subcommands: [
            Serve.self, Migrate.self, CheckConfig.self, StreamInfo.self, Subscriptions.self, Reset.self,
            DeadLetters.self, Redeliver.self, Redrive.self,
        ],
        defaultSubcommand: Serve.self)

    public init() {}

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the bus (default).")
        func run() async throws {
            let config = try loadConfiguration()
            LoggingBootstrap.bootstrap(level: config.http.logLevel)
            HNSMetrics.bootstrap()
            let logger = Logger.daemon("hns-eventbus", level: config.http.logLevel)
            logger.info(
                "starting",
                metadata: [
                    "stream": "\(config.stream.name)", "subscriptions": "\(config.stream.subscriptions.map(\.name))",
                    "instance": "\(config.instanceID)", "port": "\(config.http.port)",
                ])
            try await EventBusApp.build(configuration: config, logger: logger).application.runService()
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the bus's SQL migrations.")
        @OptionGroup var options: MigrateOptions

        func run() async throws {
            try await self.options.run(daemon: "hns-eventbus", group: "eventbus", variable: "HNS_EVENTBUS_DATABASE_URL", fallback: "HNS_DATABASE_URL")
        }
    }

    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the configuration and exit.")
        func run() async throws {
            let config = try loadConfiguration()
            print(
                "configuration OK: stream \(config.stream.name), \(config.stream.subjects.count) subjects, "
                    + "\(config.stream.publishers.count) publishers, \(config.stream.subscriptions.count) subscriptions")
        }
    }

    struct StreamInfo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stream", abstract: "Show the stream's state.")
        func run() async throws { try await withAdmin { print(String(decoding: try await $0.streamInfo().encoded(), as: UTF8.self)) } }
    }

    struct Subscriptions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every subscription's state.")
        func run() async throws { try await withAdmin { print(String(decoding: try await $0.subscriptions().encoded(), as: UTF8.self)) } }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replay a subscription from a seq or a time.")
        @Argument var subscription: String
        @Option(help: "Replay from this sequence number.") var seq: Int64?
        @Option(help: "Replay from the first message published at or after this RFC 3339 time.") var time: String?

        func validate() throws {
            guard (seq == nil) != (time == nil) else { throw ValidationError("give exactly one of --seq or --time") }
            if let time, (RFC3339.parse(time)) == nil { throw ValidationError("--time must be RFC 3339") }
        }

        func run() async throws {
            let target: EventBusAdmin.ResetTarget
            if let seq { target = .seq(seq) } else { target = .time(RFC3339.parse(time!)!) }
            try await withAdmin { print("replaying \(subscription) from seq \(try await $0.reset(subscription, to: target))") }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dead-letters", abstract: "List a subscription's dead letters.")
        @Argument var subscription: String
        func run() async throws { try await withAdmin { print(String(decoding: try await $0.deadLetters(subscription).encoded(), as: UTF8.self)) } }
    }

    struct Redeliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver one message to a subscription again.")
        @Argument var subscription: String
        @Argument var seq: Int64
        func run() async throws {
            try await withAdmin {
                try await $0.redeliver(subscription, seq: seq)
                print("queued \(seq) for \(subscription)")
            }
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-drive every dead letter of a subscription.")
        @Argument var subscription: String
        func run() async throws { try await withAdmin { print("requeued \(try await $0.redriveDeadLetters(subscription)) dead letters") } }
    }
}

func loadConfiguration() throws -> EventBusConfiguration {
    do {
        return try EventBusConfiguration.fromEnvironment()
    } catch let error as ConfigurationError {
        throw ExitMessage(error.description)
    }
}

/// Prints a message to stderr and exits non-zero, without ArgumentParser's usage text.
struct ExitMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func withAdmin(_ body: (EventBusAdmin) async throws -> Void) async throws {
    let config = try loadConfiguration()
    let logger = Logger.daemon("hns-eventbus", level: .warning)
    let client = PostgresClient(configuration: config.postgres, backgroundLogger: logger)
    try await client.withRunning { try await body(EventBusAdmin(client: $0, stream: config.stream, logger: logger)) }
}
