import ArgumentParser
import HNSCore
import Logging
import PostgresNIO

/// The options of every daemon's `migrate` subcommand.
public struct MigrateOptions: ParsableArguments {
    @Option(help: "Folder holding the migration groups.") public var migrations = "Migrations"
    @Flag(help: "Only list pending migrations; exit 1 if there are any.") public var dryRun = false

    public init() {}

    /// Reads the database URL from `variable` (or `fallback`) and migrates `group`.
    public func run(daemon: String, group: String, variable: String, fallback: String? = nil) async throws {
        let env = EnvironmentReader()
        let pg = PostgresURL.read(variable, from: env, fallback: fallback)
        do { try env.validate("\(daemon) migrate") } catch { throw ValidationError(error.description) }
        try await runMigrations(group: group, directory: self.migrations + "/" + group, postgres: pg!, dryRun: self.dryRun)
    }
}

/// What every daemon's `migrate` subcommand does: apply (or, dry-run, list) its group's files and
/// exit non-zero on a dry run with pending work, so a deploy pipeline can gate on it.
public func runMigrations(group: String, directory: String, postgres: PostgresClient.Configuration, dryRun: Bool) async throws {
    LoggingBootstrap.bootstrap(level: .info)
    let logger = Logger.daemon("migrate", level: .info)
    let migrator: Migrator
    do {
        migrator = try Migrator(group: group, directory: directory)
    } catch let failure as Migrator.Failure {
        throw ValidationError(failure.description)
    }
    // The pool warns when leased a moment before run() starts; that is expected here and only noise.
    var quiet = logger
    quiet.logLevel = .error
    let client = PostgresClient(configuration: postgres, backgroundLogger: quiet)
    let report = try await client.withRunning { client in
        do {
            return try await migrator.migrate(client: client, logger: logger, dryRun: dryRun)
        } catch let failure as Migrator.Failure {
            throw ValidationError(failure.description)
        }
    }
    if dryRun {
        if report.pending.isEmpty {
            print("\(group): up to date")
        } else {
            print("\(group): pending \(report.pending.joined(separator: ", "))")
            throw ExitCode(1)
        }
    } else {
        print(report.applied.isEmpty ? "\(group): up to date" : "\(group): applied \(report.applied.joined(separator: ", "))")
    }
}
