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
