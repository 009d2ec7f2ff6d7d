import Foundation
import HNSCore
import HNSPostgres
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

@Suite struct TransactionTests {
    let logger = Logger(label: "test")

    /// A holds its rows locked until B has finished: B can only finish by skipping them (without
    /// SKIP LOCKED it would wait on A's locks and hit the lock timeout).
    @Test func skip_locked_gives_two_transactions_disjoint_rows() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            try await client.query("CREATE TABLE seats (id int PRIMARY KEY, status text NOT NULL DEFAULT 'AVAILABLE')", logger: self.logger)
            try await client.query("INSERT INTO seats (id) SELECT generate_series(1, 10)", logger: self.logger)
            let (aHolds, aHoldsSignal) = AsyncStream.makeStream(of: Void.self)
            let (bDone, bDoneSignal) = AsyncStream.makeStream(of: Void.self)
            async let a: [Int] = client.withRetryingTransaction(logger: self.logger) { tx in
                let ids = try await self.claim(tx, 3)
                aHoldsSignal.yield()
                for await _ in bDone { break }  // keep the locks until B committed
                return ids
            }
            async let b: [Int] = {
                for await _ in aHolds { break }
                return try await client.withRetryingTransaction(logger: self.logger) { tx in
                    try await tx.query("SET LOCAL lock_timeout = '5s'", logger: self.logger)
                    let ids = try await self.claim(tx, 3)
                    return ids
                }
            }()
            let y = try await b
            bDoneSignal.yield()
            let x = try await a
            #expect(x == [1, 2, 3])
            #expect(y == [4, 5, 6])
        }
    }

    func claim(_ tx: PostgresConnection, _ n: Int) async throws -> [Int] {
        let rows = try await tx.query(
            "SELECT id FROM seats WHERE status = 'AVAILABLE' ORDER BY id LIMIT \(n) FOR UPDATE SKIP LOCKED", logger: self.logger)
        var ids: [Int] = []
        for try await id in rows.decode(Int.self) { ids.append(id) }
        try await tx.query("UPDATE seats SET status = 'HELD' WHERE id = ANY(\(ids))", logger: self.logger)
        return ids
    }

    /// BEGIN, COMMIT and ROLLBACK run as prepared statements: a body's writes are seen by others only
    /// after the commit, a throwing body leaves nothing, and the connection serves the next one.
    @Test func a_transaction_commits_whole_or_rolls_back_whole() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            try await client.query("CREATE TABLE t (id int PRIMARY KEY)", logger: self.logger)
            let seenInside: Int = try await client.withRetryingTransaction(logger: self.logger) { tx in
                try await tx.query("INSERT INTO t VALUES (1), (2)", logger: self.logger)
                // Another session does not see them yet.
                return try await self.count(client)
            }
            #expect(seenInside == 0)
            #expect(try await self.count(client) == 2)
            struct Refused: Error {}
            for _ in 0..<3 {
                await #expect(throws: Refused.self) {
                    try await client.withRetryingTransaction(logger: self.logger) { tx in
                        try await tx.query("INSERT INTO t VALUES (3)", logger: self.logger)
                        throw Refused()
                    }
                }
            }
            #expect(try await self.count(client) == 2)
            // A failed statement ends its transaction the same way, and 3 can then be written.
            await #expect(throws: PSQLError.self) {
                try await client.withRetryingTransaction(logger: self.logger) { tx in
                    try await tx.query("INSERT INTO t VALUES (3)", logger: self.logger)
                    try await tx.query("INSERT INTO t VALUES (1)", logger: self.logger)
                }
            }
            try await client.withRetryingTransaction(logger: self.logger) { tx in try await tx.query("INSERT INTO t VALUES (3)", logger: self.logger)
            }
            #expect(try await self.count(client) == 3)
        }
    }

    func count(_ client: PostgresClient) async throws -> Int {
        var n = 0
        for try await c in try await client.query("SELECT count(*)::int FROM t", logger: self.logger).decode(Int.self) { n = c }
        return n
    }

    @Test func retries_a_serialization_failure_then_succeeds() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            let attempts = Counter()
            let value = try await client.withRetryingTransaction(logger: self.logger) { tx in
                if attempts.increment() == 1 {
                    try await tx.query("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$", logger: self.logger)
                }
                return 42
            }
            #expect(value == 42)
            #expect(attempts.value == 2)
        }
    }

    @Test func gives_up_after_three_attempts_and_does_not_retry_other_errors() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        try await db.withClient { client in
            let deadlocks = Counter()
            await #expect(throws: PSQLError.self) {
                try await client.withRetryingTransaction(logger: self.logger) { tx in
                    _ = deadlocks.increment()
                    try await tx.query("DO $$ BEGIN RAISE EXCEPTION 'dl' USING ERRCODE = '40P01'; END $$", logger: self.logger)
                }
            }
            #expect(deadlocks.value == 3)

            let other = Counter()
            do {
                try await client.withRetryingTransaction(logger: self.logger) { tx in
                    _ = other.increment()
                    try await tx.query("SELECT 1/0", logger: self.logger)
                }
                Issue.record("division by zero should throw")
            } catch {
                #expect(SQLState.of(error) == "22012")
            }
            #expect(other.value == 1)
        }
    }
}

final class Counter: Sendable {
    private let box = Locked(0)
    func increment() -> Int {
        self.box.withLock {
            $0 += 1
            return $0
        }
    }
    var value: Int { self.box.value }
}
