import Logging
import PostgresNIO

/// A query run as a named prepared statement: parsed and planned once per connection and text, then
/// only bound and executed. Written like a `PostgresQuery` (`"… WHERE id = \(id)"`), so a hot
/// statement moves over by changing `query(` to `prepared(`. Unlike `PostgresQuery` it records each
/// parameter's type, NULLs included (from the Swift type), so every execution binds the types the
/// statement was prepared with.
///
/// For statements that run many times per request: PostgreSQL then keeps a generic plan after five
/// executions, so keep it to statements whose best plan does not depend on the values (lookups by
/// key, inserts, updates by key).
public struct PreparedSQL: Sendable, ExpressibleByStringInterpolation {
    public var sql: String
    public var binds: PostgresBindings
    public var types: [PostgresDataType]

    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = PostgresBindings()
        self.types = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
        self.types = stringInterpolation.types
    }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        public var sql = ""
        public var binds = PostgresBindings()
        public var types: [PostgresDataType] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            self.sql.reserveCapacity(literalCapacity + 4 * interpolationCount)
            self.binds = PostgresBindings(capacity: interpolationCount)
            self.types.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { self.sql += literal }

        /// SQL text of our own (a column list), never a value.
        public mutating func appendInterpolation(unescaped text: String) { self.sql += text }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) throws {
            try self.binds.append(value)
            self.types.append(Value.psqlType)
            self.sql += "$\(self.types.count)"
        }

        public mutating func appendInterpolation<Value: PostgresNonThrowingEncodable>(_ value: Value) {
            self.binds.append(value)
            self.types.append(Value.psqlType)
            self.sql += "$\(self.types.count)"
        }

        public mutating func appendInterpolation<Value: PostgresNonThrowingEncodable>(_ value: Value?) {
            if let value { self.binds.append(value) } else { self.binds.appendNull() }
            self.types.append(Value.psqlType)
            self.sql += "$\(self.types.count)"
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) throws {
            if let value { try self.binds.append(value) } else { self.binds.appendNull() }
            self.types.append(Value.psqlType)
            self.sql += "$\(self.types.count)"
        }
    }

    /// The statement's name on the server: one per distinct text and parameter types in this process.
    var name: String {
        var hasher = Hasher()
        hasher.combine(self.sql)
        for type in self.types { hasher.combine(type.rawValue) }
        return "hns_" + String(UInt64(bitPattern: Int64(hasher.finalize())), radix: 36)
    }
}

/// postgres-nio names a prepared statement by its type; this one takes name, text and parameter
/// types from the task-local set around each execution (they are read before the first suspension).
private struct DynamicStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        var name = ""
        var sql = ""
        var types: [PostgresDataType] = []
    }

    @TaskLocal static var current = Text()

    typealias Row = PostgresRow
    static var name: String { Self.current.name }
    static var sql: String { Self.current.sql }
    static var bindingDataTypes: [PostgresDataType] { Self.current.types }

    let bindings: PostgresBindings
    func makeBindings() -> PostgresBindings { self.bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

extension PostgresConnection {
    /// Runs `query` as a prepared statement on this connection (prepared on first use).
    @discardableResult
    public func prepared(
        _ query: PreparedSQL, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow> {
        do {
            return try await DynamicStatement.$current.withValue(.init(name: query.name, sql: query.sql, types: query.types)) {
                try await self.execute(DynamicStatement(bindings: query.binds), logger: logger, file: file, line: line)
            }
        } catch {
            // postgres-nio remembers a failed preparation for the connection's lifetime and fails every
            // later use of that statement at once. An error that an execution of a sound statement can
            // raise (bad data, a constraint, a serialization failure or deadlock, a lock timeout, a
            // RAISE) leaves the statement alone; anything else may have been the preparation (syntax,
            // a table not there yet, a cancelled or aborted transaction), so the connection goes and
            // the pool opens a fresh one.
            if Self.mayHaveFailedPreparation(error) { try? await self.close() }
            throw error
        }
    }

    static func mayHaveFailedPreparation(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError, psql.code == .server, let state = psql.serverInfo?[.sqlState] else { return false }
        return !["22", "23", "40", "55", "P0"].contains(String(state.prefix(2)))
    }
}

extension PostgresClient {
    /// Runs `query` as a prepared statement on a pooled connection; the rows are read before the
    /// connection goes back to the pool.
    @discardableResult
    public func prepared(_ query: PreparedSQL, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> CollectedRows {
        try await self.withConnection { connection in
            var rows: [PostgresRow] = []
            for try await row in try await connection.prepared(query, logger: logger, file: file, line: line) { rows.append(row) }
            return CollectedRows(rows: rows)
        }
    }
}

/// Rows already read, as an async sequence (so `decode` works on them as on a live result).
public struct CollectedRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow
    public let rows: [PostgresRow]

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[PostgresRow]>
        public mutating func next() async throws -> PostgresRow? { self.base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: self.rows.makeIterator()) }
}
