import Crypto
import Foundation
import HNSCore
import Logging
import PostgresNIO

/// Applies `Migrations/<group>/NNNN_name.sql` in order. History is append-only: an applied file that
/// changed, or an applied list that is not a prefix of the files, stops everything, because guessing
/// would be worse than a failed deploy.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let sql: String
        public var checksum: String { SHA256.hash(data: Data(self.sql.utf8)).hexString }
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case badFileName(String)
        case duplicateVersion(Int)
        case changedAfterApply(version: Int, name: String)
        case historyNotPrefix(applied: [String], files: [String])
        case noMigrations(String)

        public var description: String {
            switch self {
            case .badFileName(let n): return "migration file \(n) is not named NNNN_name.sql"
            case .duplicateVersion(let v): return "two migration files share version \(v)"
            case .changedAfterApply(let v, let n): return "migration \(v) (\(n)) was edited after it was applied; add a new migration instead"
            case .historyNotPrefix(let a, let f): return "applied migrations \(a) are not a prefix of the files \(f)"
            case .noMigrations(let d): return "no migration files in \(d)"
            }
        }
    }

    public let group: String
    public let migrations: [Migration]

    public init(group: String, migrations: [Migration]) throws {
        self.group = group
        self.migrations = migrations.sorted { $0.version < $1.version }
        var seen = Set<Int>()
        for m in self.migrations where !seen.insert(m.version).inserted { throw Failure.duplicateVersion(m.version) }
    }

    /// Loads every `NNNN_name.sql` in `directory`.
    public init(group: String, directory: String) throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var list: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw Failure.badFileName(file)
            }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            list.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        guard !list.isEmpty else { throw Failure.noMigrations(directory) }
        try self.init(group: group, migrations: list)
    }

    public struct Report: Sendable {
        public var applied: [String] = []
        public var pending: [String] = []
    }

    /// Applies what is pending (or, with `dryRun`, only lists it). Serialised across processes by an
    /// advisory lock, so two daemons starting together do not race.
    @discardableResult
    public func migrate(client: PostgresClient, logger: Logger, dryRun: Bool = false) async throws -> Report {
        try await client.withConnection { connection in
            try await connection.query("CREATE SCHEMA IF NOT EXISTS hns_migrations", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS hns_migrations.applied (
                    migration_group text NOT NULL,
                    version integer NOT NULL,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (migration_group, version)
                )
                """, logger: logger)
            try await connection.query("SELECT pg_advisory_lock(hashtext('hns_migrations'))", logger: logger)
            do {
                let report = try await self.migrateLocked(connection: connection, logger: logger, dryRun: dryRun)
                try await connection.query("SELECT pg_advisory_unlock(hashtext('hns_migrations'))", logger: logger)
                return report
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext('hns_migrations'))", logger: logger)
                throw error
            }
        }
    }

    private func migrateLocked(connection: PostgresConnection, logger: Logger, dryRun: Bool) async throws -> Report {
        let rows = try await connection.query(
            "SELECT version, name, checksum FROM hns_migrations.applied WHERE migration_group = \(self.group) ORDER BY version",
            logger: logger
        )
        var applied: [(Int, String, String)] = []
        for try await row in rows.decode((Int, String, String).self) { applied.append(row) }

        let label: (Int, String) -> String = { version, name in
            let digits = String(version)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
        }
        guard applied.count <= self.migrations.count,
            zip(applied, self.migrations).allSatisfy({ $0.0 == $1.version })
        else {
            throw Failure.historyNotPrefix(applied: applied.map { label($0.0, $0.1) }, files: self.migrations.map { label($0.version, $0.name) })
        }
        for (done, file) in zip(applied, self.migrations) where done.2 != file.checksum {
            throw Failure.changedAfterApply(version: file.version, name: file.name)
        }

        var report = Report()
        for migration in self.migrations.dropFirst(applied.count) {
            let name = label(migration.version, migration.name)
            if dryRun {
                report.pending.append(name)
                continue
            }
            logger.info("applying migration", metadata: ["group": "\(self.group)", "migration": "\(name)"])
            try await connection.withTransaction(logger: logger) { tx in
                for statement in SQLScript.statements(migration.sql) {
                    try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await tx.query(
                    """
                    INSERT INTO hns_migrations.applied (migration_group, version, name, checksum)
                    VALUES (\(self.group), \(migration.version), \(migration.name), \(migration.checksum))
                    """, logger: logger)
            }
            report.applied.append(name)
        }
        return report
    }
}
