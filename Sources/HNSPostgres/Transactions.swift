import HNSCore
import Logging
import Metrics
import PostgresNIO

/// SQLSTATE classes we act on.
public enum SQLState {
    public static func of(_ error: any Error) -> String? {
        if let tx = error as? PostgresTransactionError {
            for inner in [tx.beginError, tx.closureError, tx.commitError] {
                if let inner, let code = self.of(inner) { return code }
            }
            return nil
        }
        if let psql = error as? PSQLError { return psql.serverInfo?[.sqlState] }
        return nil
    }

    /// Serialization failure, deadlock, lock not available: the whole transaction may simply be run again.
    public static func isRetryable(_ error: any Error) -> Bool {
        guard let code = self.of(error) else { return false }
        return code == "40001" || code == "40P01" || code == "55P03"
    }

    public static func isUniqueViolation(_ error: any Error) -> Bool { self.of(error) == "23505" }
    public static func isExclusionViolation(_ error: any Error) -> Bool { self.of(error) == "23P01" }

    /// The error a transaction body threw, unwrapped from postgres-nio's wrapper.
    public static func underlying(_ error: any Error) -> any Error {
        if let tx = error as? PostgresTransactionError {
            return tx.closureError ?? tx.beginError ?? tx.commitError ?? error
        }
        return error
    }

    /// Could not reach the server at all (as opposed to the server refusing a statement).
    public static func isConnectionFailure(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError {
            switch psql.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed, .clientClosedConnection: return true
            default: return false
            }
        }
        return false
    }
}

extension PostgresClient {
    /// Runs `body` in a transaction, retrying the whole transaction on retryable SQLSTATEs
    /// (serialization failure, deadlock, lock not available) with exponential backoff and jitter.
    /// Errors thrown by `body` itself come back unwrapped.
    public func withRetryingTransaction<Result: Sendable>(
        logger: Logger,
        attempts: Int = 3,
        backoff: Backoff = Backoff(base: .milliseconds(10), maximum: .milliseconds(200)),
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await self.withConnection { connection in try await connection.transaction(logger: logger, body) }
            } catch {
                if SQLState.isRetryable(error), attempt < attempts {
                    Counter(label: "hns_db_transaction_retries_total", dimensions: [("sqlstate", SQLState.of(error) ?? "")]).increment()
                    logger.debug("retrying transaction", metadata: ["attempt": "\(attempt)", "sqlstate": "\(SQLState.of(error) ?? "")"])
                    try await Task.sleep(for: backoff.delay(attempt: attempt))
                    attempt += 1
                    continue
                }
                throw SQLState.underlying(error)
            }
        }
    }

    /// Runs `body` on one connection in one read-only snapshot (REPEATABLE READ): reads that must add
    /// up — a report, a reconciliation, a view over several modules' tables — see one moment.
    public func withReadSnapshot<Result: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await self.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Runs `body` while the pool runs, outside a service group (subcommands, tests).
    public func withRunning<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self, isolation: isolation) { group in
            group.addTask { await self.run() }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }

    /// A readiness probe: one real round trip.
    public func ping(logger: Logger) async throws {
        try await self.query("SELECT 1", logger: logger)
    }
}

extension PostgresConnection {
    /// `body` between BEGIN and COMMIT (ROLLBACK when it throws), as postgres-nio's `withTransaction`
    /// does, but with the three statements prepared once per connection instead of parsed at every
    /// use: a sale day runs thousands of transactions a second. Errors come unwrapped.
    public func transaction<Result: Sendable>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await self.prepared("BEGIN", logger: logger)
        let value: Result
        do {
            value = try await body(self)
        } catch {
            do {
                try await self.prepared("ROLLBACK", logger: logger)
            } catch {
                // Still open but perhaps still in the transaction: the pool must not hand it out.
                try? await self.close()
            }
            throw error
        }
        // A failed COMMIT has ended the transaction already (PostgreSQL rolls it back).
        try await self.prepared("COMMIT", logger: logger)
        return value
    }
}
