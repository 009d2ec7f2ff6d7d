import Foundation
import HNSPostgres
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

@Suite struct PreparedWritesTests {
    let logger = Logger(label: "test")

    /// Parts written by different callers into one statement: values numbered across parts, a part
    /// reading an earlier one's RETURNING rows, a child row inserted with its parent, and the order
    /// in which PostgreSQL runs the parts nobody reads (last-added first), which callers rely on.
    @Test func parts_run_once_as_one_statement() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            try await client.query("CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL)", logger: self.logger)
            try await client.query("CREATE TABLE child (parent int NOT NULL REFERENCES parent (id), note text)", logger: self.logger)
            try await client.query("CREATE TABLE log (n serial PRIMARY KEY, what text NOT NULL)", logger: self.logger)
            try await client.withConnection { connection in
                var writes = PreparedWrites()
                // Nothing added: nothing sent.
                #expect(try await writes.run(on: connection, logger: self.logger).isEmpty)
                let parent = writes.add("INSERT INTO parent VALUES (\(1), \("one")) RETURNING id, name")
                writes.add("INSERT INTO child SELECT id, name || \(" child") FROM \(unescaped: parent)")
                for what in ["first added", "second added", "third added"] {
                    writes.add("INSERT INTO log (what) VALUES (\(what))")
                }
                #expect(writes.count == 5)
                let rows = try await writes.run(on: connection, select: "SELECT name FROM \(parent)", logger: self.logger)
                #expect(try rows.map { try $0.decode(String.self) } == ["one"])
            }
            var children: [String?] = []
            for try await note in try await client.query("SELECT note FROM child", logger: self.logger).decode(String?.self) { children.append(note) }
            #expect(children == ["one child"])
            var order: [String] = []
            for try await what in try await client.query("SELECT what FROM log ORDER BY n", logger: self.logger).decode(String.self) {
                order.append(what)
            }
            #expect(order == ["third added", "second added", "first added"])
            // A failing part fails the whole statement: nothing of it stays.
            try await client.withConnection { connection in
                var writes = PreparedWrites()
                writes.add("INSERT INTO log (what) VALUES ('lost')")
                writes.add("INSERT INTO child VALUES (\(99), 'orphan')")
                await #expect(throws: PSQLError.self) { try await writes.run(on: connection, logger: self.logger) }
            }
            for try await n in try await client.query("SELECT count(*)::int FROM log WHERE what = 'lost'", logger: self.logger).decode(Int.self) {
                #expect(n == 0)
            }
        }
    }

    /// A multi-row VALUES from row parts joined with `list`, after an earlier part's values.
    @Test func listed_rows_keep_their_values_in_order() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            try await client.query("CREATE TABLE pairs (n int NOT NULL, label text)", logger: self.logger)
            try await client.withConnection { connection in
                var writes = PreparedWrites()
                writes.add("INSERT INTO pairs VALUES (\(0), \("first"))")
                let labels: [String?] = ["a", nil, "c"]
                let rows: [PreparedWrites.Part] = labels.enumerated().map { "(\($0.offset + 1), \($0.element))" }
                writes.add("INSERT INTO pairs (n, label) VALUES " + .list(rows))
                try await writes.run(on: connection, logger: self.logger)
            }
            var pairs: [String] = []
            for try await (n, label) in try await client.query("SELECT n, label FROM pairs ORDER BY n", logger: self.logger).decode(
                (Int, String?).self)
            {
                pairs.append("\(n):\(label ?? "-")")
            }
            #expect(pairs == ["0:first", "1:a", "2:-", "3:c"])
        }
    }
}
