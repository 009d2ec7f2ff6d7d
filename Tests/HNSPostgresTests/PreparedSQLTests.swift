import Foundation
import HNSPostgres
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

@Suite struct PreparedSQLTests {
    let logger = Logger(label: "test")

    /// One statement text, many executions on one connection (past the five after which PostgreSQL
    /// may keep a generic plan): NULL and non-NULL values in the same parameter, Swift Int into an
    /// int4 column, arrays, and each execution sees its own values.
    @Test func one_text_prepared_once_runs_with_changing_values_and_nulls() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            try await client.query("CREATE TABLE t (id int PRIMARY KEY, note text, at timestamptz, tags text[] NOT NULL)", logger: self.logger)
            try await client.withConnection { connection in
                for i in 1...12 {
                    let note: String? = i % 3 == 0 ? nil : "n\(i)"
                    let at: Date? = i % 2 == 0 ? Date(timeIntervalSince1970: Double(i)) : nil
                    let rows = try await connection.prepared(
                        "INSERT INTO t (id, note, at, tags) VALUES (\(i), \(note), \(at), \(["a\(i)", "b"])) RETURNING id, note",
                        logger: self.logger)
                    var back: [(Int, String?)] = []
                    for try await row in rows.decode((Int, String?).self) { back.append(row) }
                    #expect(back.count == 1 && back[0].0 == i && back[0].1 == note)
                }
                // Prepared once: one statement of ours on the server for that text.
                let named = try await connection.query(
                    "SELECT count(*)::int FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO t %'", logger: self.logger)
                for try await n in named.decode(Int.self) { #expect(n == 1) }
            }
            for id in [3, 4, 12] {
                let rows = try await client.prepared("SELECT note, at, tags FROM t WHERE id = \(id)", logger: self.logger)
                var found: [(String?, Date?, [String])] = []
                for try await row in rows.decode((String?, Date?, [String]).self) { found.append(row) }
                #expect(found.count == 1)
                #expect(found.first?.0 == (id % 3 == 0 ? nil : "n\(id)"))
                #expect(found.first?.1 == (id % 2 == 0 ? Date(timeIntervalSince1970: Double(id)) : nil))
                #expect(found.first?.2 == ["a\(id)", "b"])
            }
        }
    }

    /// A statement that fails on the server (here: a constraint) fails that execution only; the
    /// prepared statement keeps working on the same connection.
    @Test func a_failing_execution_leaves_the_statement_usable() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            try await client.query("CREATE TABLE u (id int PRIMARY KEY)", logger: self.logger)
            try await client.withConnection { connection in
                _ = try await connection.prepared("INSERT INTO u (id) VALUES (\(1))", logger: self.logger)
                let duplicate = await #expect(throws: (any Error).self) {
                    for try await _ in try await connection.prepared("INSERT INTO u (id) VALUES (\(1))", logger: self.logger) {}
                }
                #expect(duplicate.flatMap(SQLState.of) == "23505", "\(String(reflecting: duplicate))")
                for try await _ in try await connection.prepared("INSERT INTO u (id) VALUES (\(2))", logger: self.logger) {}
                let rows = try await connection.query("SELECT count(*)::int FROM u", logger: self.logger)
                for try await n in rows.decode(Int.self) { #expect(n == 2) }
            }
        }
    }

    /// postgres-nio keeps a failed preparation for the connection's lifetime: a statement prepared
    /// before its table existed would fail forever on that connection. The connection is dropped
    /// instead, so with one pooled connection the same text works once the table is there.
    @Test func a_failed_preparation_does_not_stick_to_the_pool() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        var config = db.configuration
        config.options.minimumConnections = 0
        config.options.maximumConnections = 1
        try await TestDatabase.withClient(config) { client in
            let missing = await #expect(throws: (any Error).self) {
                _ = try await client.prepared("SELECT id FROM later WHERE id = \(1)", logger: self.logger)
            }
            #expect(missing.flatMap(SQLState.of) == "42P01", "\(String(reflecting: missing))")
            try await client.query("CREATE TABLE later (id int PRIMARY KEY)", logger: self.logger)
            try await client.query("INSERT INTO later VALUES (1)", logger: self.logger)
            let rows = try await client.prepared("SELECT id FROM later WHERE id = \(1)", logger: self.logger)
            var ids: [Int] = []
            for try await id in rows.decode(Int.self) { ids.append(id) }
            #expect(ids == [1])
        }
    }
}
