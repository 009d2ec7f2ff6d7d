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
        subcommands: [Serve.self, Migrate.self, SeedDemo.self, DevToken.self, Reconcile.self],
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

extension TicketingCommand {
    /// The reconciliation from the command line: exit status 1 when any row is unexplained.
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove every seat, payment and refund (against Stripe too); list every row that breaks.")
        @Option(help: "Only this match.") var match: Int64?
        @Flag(help: "Do not ask Stripe (our own records only).") var noStripe = false
        @Flag(help: "Print the whole report as JSON.") var json = false

        func run() async throws {
            let config: TicketingConfiguration
            do { config = try TicketingConfiguration.fromEnvironment() } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            if let match, match <= 0 { throw ValidationError("--match must be a match id (a positive integer)") }
            var logger = Logger(label: "hns-ticketing.reconcile")
            logger.logLevel = .warning
            let modules = TicketingModules(configuration: config, logger: logger)
            let report = try await modules.postgres.withRunning { _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await modules.redis.run() }
                    defer { group.cancelAll() }
                    return try await modules.reconciliation.run(matchID: self.match, stripe: !self.noStripe)
                }
            }
            if self.json {
                print(String(decoding: try Orders.json(report), as: UTF8.self))
            } else {
                print(Self.text(report))
            }
            if report.unexplained > 0 { throw ExitCode(1) }
        }

        static func text(_ r: Reconciliation.Report) -> String {
            var lines = [
                "reconciliation of \(r.matchId.map { "match \($0)" } ?? "every match"): \(r.orders) orders with a payment, "
                    + "\(r.validTickets) valid tickets, \(r.capturedCents) ¢ captured, \(r.refundedCents) ¢ refunded; "
                    + "\(r.stripeChecked) payments compared with Stripe",
                "unexplained: \(r.unexplained); pending: \(r.pending)"
                    + (r.byKind.isEmpty
                        ? "" : " (" + r.byKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"),
            ]
            for row in r.rows.prefix(200) {
                lines.append("  \(row.status.rawValue)  \(row.kind)  \(row.subject)  \(row.detail)")
            }
            if r.rows.count > 200 { lines.append("  … \(r.rows.count - 200) more (--json for all)") }
            for note in r.notChecked { lines.append("not checked: \(note)") }
            return lines.joined(separator: "\n")
        }
    }
}
