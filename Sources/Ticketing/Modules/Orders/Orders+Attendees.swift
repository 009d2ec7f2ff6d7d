import Foundation
import HNSPostgres
import Logging
import PostgresNIO

extension Orders {
    /// A ticket holder as the host federation of an AWAY match needs them.
    struct Holder: Sendable {
        let firstName: String
        let lastName: String
        let dateOfBirth: String
        let nationality: String
        let oib: String?
        let passportNumber: String?
        let passportCountry: String?
    }

    /// The current holder of each ticket of a match (transfers rewrite the attendee row), by ticket id.
    static func holders(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> [UUID: Holder] {
        let rows = try await connection.query(
            """
            SELECT ticket_id, first_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD'), nationality, oib, passport_number, passport_country
            FROM orders.attendees WHERE match_id = \(matchID) AND ticket_id IS NOT NULL
            """, logger: logger)
        var out: [UUID: Holder] = [:]
        for try await (ticket, first, last, born, nationality, oib, passport, country) in rows.decode(
            (UUID, String, String, String, String, String?, String?, String?).self)
        {
            out[ticket] = Holder(
                firstName: first, lastName: last, dateOfBirth: born, nationality: nationality, oib: oib, passportNumber: passport,
                passportCountry: country)
        }
        return out
    }
}

extension Orders {
    /// The person (`PersonIdentity.key`) each of these tickets of a match is in the name of.
    static func personKeys(_ connection: PostgresConnection, matchID: Int64, ticketIDs: [UUID], logger: Logger) async throws -> [UUID: String] {
        guard !ticketIDs.isEmpty else { return [:] }
        // A join, not `= ANY(array)` (a bound array is searched element by element for every row);
        // one row of arrays, not a row per ticket (each its own step through the driver).
        let rows = try await connection.query(
            """
            SELECT coalesce(array_agg(a.ticket_id), '{}'), coalesce(array_agg(a.person_key), '{}')
            FROM orders.attendees a JOIN unnest(\(ticketIDs)::uuid[]) AS x(id) ON a.ticket_id = x.id
            WHERE a.match_id = \(matchID)
            """, logger: logger)
        var out: [UUID: String] = [:]
        for try await (tickets, keys) in rows.decode(([UUID], [String]).self) {
            out.reserveCapacity(tickets.count)
            for (ticket, key) in zip(tickets, keys) { out[ticket] = key }
        }
        return out
    }
}
