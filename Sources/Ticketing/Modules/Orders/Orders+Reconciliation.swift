import Foundation
import HNSPostgres
import Logging
import PostgresNIO

extension Orders {
    /// Every order that asked for a payment (of one match, or all), for the reconciliation.
    static func withPayments(_ connection: PostgresConnection, matchID: Int64?, logger: Logger) async throws -> [Row] {
        let rows = try await connection.prepared(
            """
            SELECT \(unescaped: Self.rowColumns) FROM orders.orders
            WHERE payment_intent_id IS NOT NULL AND (\(matchID)::bigint IS NULL OR match_id = \(matchID))
            """, logger: logger)
        return try await Self.decodeRows(rows)
    }

    /// Orders whose tickets were issued with `terms` (on a partner's account, or paid at a Petrol
    /// till), of one match or all.
    static func issued(_ connection: PostgresConnection, terms: PaymentTerms, matchID: Int64?, logger: Logger) async throws -> [Row] {
        let rows = try await connection.prepared(
            """
            SELECT \(unescaped: Self.rowColumns) FROM orders.orders
            WHERE payment_terms = \(terms.rawValue) AND state IN ('tickets_issued', 'cancelled') AND (\(matchID)::bigint IS NULL OR match_id = \(matchID))
            """, logger: logger)
        return try await Self.decodeRows(rows)
    }
}

extension Orders {
    /// Orders by id, for the documents accounting makes of them (invoices, credit notes).
    static func rows(_ connection: PostgresConnection, ids: [UUID], logger: Logger) async throws -> [UUID: Row] {
        let rows = try await connection.prepared(
            "SELECT \(unescaped: Self.rowColumns) FROM orders.orders WHERE id = ANY(\(ids))", logger: logger)
        return Dictionary(try await Self.decodeRows(rows).map { ($0.id, $0) }) { first, _ in first }
    }
}
