import Foundation
import HNSPostgres
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

@Suite struct MigratorTests {
    let logger = Logger(label: "test")

    func folder(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "migrations-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func applies_in_order_then_is_a_no_op() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        let dir = try self.folder([
            "0001_first.sql": "CREATE SCHEMA demo; CREATE TABLE demo.t (id int PRIMARY KEY, note text DEFAULT 'a;b');",
            "0002_second.sql":
                "-- dollar quoting keeps the ; inside\nCREATE FUNCTION demo.f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nINSERT INTO demo.t (id) VALUES (1);",
        ])
        try await db.withClient { client in
            let migrator = try Migrator(group: "demo", directory: dir)
            let first = try await migrator.migrate(client: client, logger: self.logger)
            #expect(first.applied == ["0001_first", "0002_second"])
            let second = try await migrator.migrate(client: client, logger: self.logger)
            #expect(second.applied.isEmpty)
            let rows = try await client.query("SELECT demo.f(), (SELECT note FROM demo.t WHERE id = 1)", logger: self.logger)
            for try await (one, note) in rows.decode((Int, String).self) {
                #expect(one == 1)
                #expect(note == "a;b")
            }
            let dry = try await migrator.migrate(client: client, logger: self.logger, dryRun: true)
            #expect(dry.pending.isEmpty)
        }
    }

    @Test func dry_run_lists_pending_and_changes_nothing() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        let dir = try self.folder(["0001_a.sql": "CREATE TABLE a (id int);"])
        try await db.withClient { client in
            let report = try await Migrator(group: "g", directory: dir).migrate(client: client, logger: self.logger, dryRun: true)
            #expect(report.pending == ["0001_a"])
            let rows = try await client.query("SELECT to_regclass('public.a')::text", logger: self.logger)
            for try await name in rows.decode(String?.self) { #expect(name == nil) }
        }
    }

    @Test func refuses_an_applied_file_that_was_edited() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        let dir = try self.folder(["0001_a.sql": "CREATE TABLE a (id int);"])
        try await db.withClient { client in
            try await Migrator(group: "g", directory: dir).migrate(client: client, logger: self.logger)
            try "CREATE TABLE a (id bigint);".write(toFile: dir + "/0001_a.sql", atomically: true, encoding: .utf8)
            try "CREATE TABLE b (id int);".write(toFile: dir + "/0002_b.sql", atomically: true, encoding: .utf8)
            await #expect(throws: Migrator.Failure.changedAfterApply(version: 1, name: "a")) {
                try await Migrator(group: "g", directory: dir).migrate(client: client, logger: self.logger)
            }
            // Nothing after the refusal was applied.
            let rows = try await client.query("SELECT to_regclass('public.b')::text", logger: self.logger)
            for try await name in rows.decode(String?.self) { #expect(name == nil) }
        }
    }

    @Test func refuses_history_that_is_not_a_prefix_of_the_files() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        let dir = try self.folder(["0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);"])
        try await db.withClient { client in
            try await Migrator(group: "g", directory: dir).migrate(client: client, logger: self.logger)
            try FileManager.default.removeItem(atPath: dir + "/0002_b.sql")
            await #expect(throws: Migrator.Failure.self) {
                try await Migrator(group: "g", directory: dir).migrate(client: client, logger: self.logger)
            }
        }
    }

    @Test func a_failing_migration_rolls_back_whole() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        let dir = try self.folder(["0001_a.sql": "CREATE TABLE a (id int); SELECT 1/0;"])
        try await db.withClient { client in
            await #expect(throws: (any Error).self) {
                try await Migrator(group: "g", directory: dir).migrate(client: client, logger: self.logger)
            }
            let rows = try await client.query(
                "SELECT to_regclass('public.a')::text, (SELECT count(*) FROM hns_migrations.applied)", logger: self.logger)
            for try await (name, count) in rows.decode((String?, Int).self) {
                #expect(name == nil)
                #expect(count == 0)
            }
        }
    }

    @Test func the_projects_own_migrations_apply_and_reapply() async throws {
        let db = try await TestDatabase.create(migrating: ["eventbus", "ticketing"])
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            for group in ["eventbus", "ticketing"] {
                let again = try await Migrator(group: group, directory: TestEnvironment.migrationsDir + "/" + group)
                    .migrate(client: client, logger: self.logger)
                #expect(again.applied.isEmpty)
            }
        }
    }

    @Test func file_names_must_be_numbered() throws {
        let dir = try self.folder(["first.sql": "SELECT 1;"])
        #expect(throws: Migrator.Failure.badFileName("first.sql")) { try Migrator(group: "g", directory: dir) }
    }
}
