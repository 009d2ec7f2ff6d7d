import Foundation
import HNSPostgres
import Logging
import PostgresNIO

extension Tickets {
    /// Seats (units) that more than one valid ticket claims, of one match or all.
    static func seatsWithSeveralValid(
        _ connection: PostgresConnection, matchID: Int64?, logger: Logger
    ) async throws -> [(matchID: Int64, unitID: Int64, tickets: [UUID])] {
        let rows = try await connection.prepared(
            """
            SELECT match_id, unit_id, array_agg(id ORDER BY issued_at) FROM tickets.tickets
            WHERE status <> 'void' AND (\(matchID)::bigint IS NULL OR match_id = \(matchID))
            GROUP BY match_id, unit_id HAVING count(*) > 1
            """, logger: logger)
        var out: [(Int64, Int64, [UUID])] = []
        for try await r in rows.decode((Int64, Int64, [UUID]).self) { out.append(r) }
        return out.map { (matchID: $0.0, unitID: $0.1, tickets: $0.2) }
    }

    /// How many valid tickets each order has, of one match or all.
    static func validByOrder(_ connection: PostgresConnection, matchID: Int64?, logger: Logger) async throws -> [UUID: Int] {
        let rows = try await connection.prepared(
            """
            SELECT order_id, count(*)::int FROM tickets.tickets
            WHERE status <> 'void' AND (\(matchID)::bigint IS NULL OR match_id = \(matchID)) GROUP BY order_id
            """, logger: logger)
        var out: [UUID: Int] = [:]
        for try await (order, n) in rows.decode((UUID, Int).self) { out[order] = n }
        return out
    }
}

extension Tickets {
    /// An order's tickets as issued: when, in which sector (an order sells one hold, in one sector),
    /// how many.
    struct Issue: Sendable {
        let orderID: UUID
        let matchID: Int64
        let issuedAt: Date
        let sector: String
        let tickets: Int
    }

    /// The orders whose tickets were issued, of one match or all, in a period (`from` ≤ time < `to`):
    /// the financial report's sales.
    static func issuedByOrder(_ connection: PostgresConnection, matchID: Int64?, from: Date?, to: Date?, logger: Logger) async throws -> [Issue] {
        let rows = try await connection.query(
            """
            SELECT order_id, min(match_id), min(issued_at), min(sector_code), count(*)::int FROM tickets.tickets
            WHERE (\(matchID)::bigint IS NULL OR match_id = \(matchID))
            GROUP BY order_id
            HAVING (\(from)::timestamptz IS NULL OR min(issued_at) >= \(from)) AND (\(to)::timestamptz IS NULL OR min(issued_at) < \(to))
            """, logger: logger)
        var out: [Issue] = []
        for try await (order, match, at, sector, n) in rows.decode((UUID, Int64, Date, String, Int).self) {
            out.append(Issue(orderID: order, matchID: match, issuedAt: at, sector: sector, tickets: n))
        }
        return out
    }
}
