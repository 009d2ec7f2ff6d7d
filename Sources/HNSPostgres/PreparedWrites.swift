import Logging
import PostgresNIO

/// Several data-modifying statements sent as one: each is a part of `WITH w0 AS (…), w1 AS (…) SELECT …`,
/// so the closing writes of a transaction (an order's state and history, its outbox rows, a counter)
/// cost one round trip instead of one each. Modules add the parts for the tables they own.
///
/// The parts run once each and all see the snapshot the statement started with, not one another's
/// changes: they must not touch the same rows, and a part reads an earlier one's RETURNING rows by the
/// name `add` gave it. A part that is read runs when it is read; the others run after the final SELECT,
/// last-added first (so a part whose lock should be held the shortest is added first). Foreign keys
/// are checked at the end of the whole statement, so a part may insert rows that reference an earlier
/// part's. PostgreSQL allows no data-modifying WITH inside a part: a
/// write that needs one adds two parts instead.
public struct PreparedWrites: Sendable {
    private var text = PreparedSQL.StringInterpolation(literalCapacity: 1024, interpolationCount: 32)
    public private(set) var count = 0

    public init() {}

    /// Adds one INSERT, UPDATE or DELETE (optionally with RETURNING), written like a `PreparedSQL`:
    /// `writes.add("UPDATE t SET a = \(x) WHERE id = \(id)")`; an earlier part is named with
    /// `\(unescaped: name)`. Its values are numbered where it lands, after the earlier parts' values.
    /// Returns the name under which later parts and the final SELECT can read its rows.
    @discardableResult
    public mutating func add(_ part: Part) -> String {
        let name = "w\(self.count)"
        self.text.appendLiteral(self.count == 0 ? "WITH \(name) AS (" : ", \(name) AS (")
        for step in part.steps { step(&self.text) }
        self.text.appendLiteral(")")
        self.count += 1
        return name
    }

    /// A part as a string literal: its literal pieces and values, replayed into the shared text by
    /// `add(_:)` (a `PreparedSQL` numbers its values from $1, which only holds for a whole statement).
    public struct Part: ExpressibleByStringInterpolation {
        fileprivate var steps: [(inout PreparedSQL.StringInterpolation) -> Void]

        public init(stringLiteral value: String) { self.steps = [{ $0.appendLiteral(value) }] }
        public init(stringInterpolation: StringInterpolation) { self.steps = stringInterpolation.steps }

        public static func + (lhs: Part, rhs: Part) -> Part {
            var joined = lhs
            joined.steps += rhs.steps
            return joined
        }

        /// The parts one after another with `separator` between them: the rows of a multi-row VALUES.
        public static func list(_ parts: [Part], separator: String = ", ") -> Part {
            var joined: Part = ""
            for (i, part) in parts.enumerated() { joined = i == 0 ? part : joined + Part(stringLiteral: separator) + part }
            return joined
        }

        public struct StringInterpolation: StringInterpolationProtocol {
            fileprivate var steps: [(inout PreparedSQL.StringInterpolation) -> Void] = []

            public init(literalCapacity: Int, interpolationCount: Int) {
                self.steps.reserveCapacity(2 * interpolationCount + 1)
            }

            public mutating func appendLiteral(_ literal: String) { self.steps.append { $0.appendLiteral(literal) } }

            /// SQL text of our own (an earlier part's name), never a value.
            public mutating func appendInterpolation(unescaped text: String) { self.steps.append { $0.appendLiteral(text) } }

            public mutating func appendInterpolation<Value: PostgresNonThrowingEncodable>(_ value: Value) {
                self.steps.append { $0.appendInterpolation(value) }
            }

            public mutating func appendInterpolation<Value: PostgresNonThrowingEncodable>(_ value: Value?) {
                self.steps.append { $0.appendInterpolation(value) }
            }
        }
    }

    /// The whole statement, ending with `select`.
    private func statement(select: Part) -> PreparedSQL {
        var text = self.text
        text.appendLiteral(" ")
        for step in select.steps { step(&text) }
        return PreparedSQL(stringInterpolation: text)
    }

    /// Runs the parts on `connection` (in its transaction, if one is open) and returns the rows of
    /// `select`. Nothing is sent when no part was added.
    @discardableResult
    public func run(on connection: PostgresConnection, select: String = "SELECT 1", logger: Logger) async throws -> [PostgresRow] {
        try await self.run(on: connection, selecting: Part(stringLiteral: select), logger: logger)
    }

    /// The same with a final SELECT that has values of its own (numbered after the parts').
    @discardableResult
    public func run(on connection: PostgresConnection, selecting select: Part, logger: Logger) async throws -> [PostgresRow] {
        guard self.count > 0 else { return [] }
        var rows: [PostgresRow] = []
        for try await row in try await connection.prepared(self.statement(select: select), logger: logger) { rows.append(row) }
        return rows
    }
}
