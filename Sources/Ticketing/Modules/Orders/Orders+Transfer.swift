import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

extension Orders {
    /// A ticket holder replaced by a support transfer (E10), in the caller's transaction: the new
    /// person must hold no ticket and no open order for the match (locked by their key as `create`
    /// locks it, so a concurrent purchase or transfer waits), the attendee takes the new identity, and
    /// who held the seat before is kept in `orders.attendee_changes`.
    static func replaceAttendee(
        _ connection: PostgresConnection, orderID: UUID, position: Int, matchID: Int64, person: PersonIdentity, transferID: UUID, logger: Logger
    ) async throws {
        let key = Attendee(person: person, deliverToEmail: nil).personKey
        try await connection.prepared("SELECT pg_advisory_xact_lock(hashtextextended(\(String(matchID) + "|" + key), 7))", logger: logger)
        let held = try await connection.prepared(
            """
            SELECT count(*)::int FROM (
                SELECT 1 FROM orders.attendees a JOIN orders.orders o ON o.id = a.order_id
                WHERE a.match_id = \(matchID) AND a.person_key = \(key) AND a.refunded_at IS NULL AND o.state NOT IN ('expired', 'cancelled', 'payment_failed')
                LIMIT 1
            ) AS held
            """, logger: logger)
        for try await count in held.decode(Int.self) where count > 0 {
            throw Problem(
                TicketingProblems.attendeeHasTicket, detail: "The new holder already has a ticket or an open order for this match.",
                errors: [.init(field: "holder", message: "already has a ticket or an open order for this match")])
        }
        var writes = PreparedWrites()
        // Both parts read the attendee as it was (one statement, one snapshot).
        writes.add(
            """
            INSERT INTO orders.attendee_changes (order_id, position, transfer_id, first_name, last_name, date_of_birth, oib, passport_number,
                                                 passport_country, nationality, person_key)
            SELECT order_id, position, \(transferID), first_name, last_name, date_of_birth, oib, passport_number, passport_country,
                   nationality, person_key
            FROM orders.attendees WHERE order_id = \(orderID) AND position = \(position)
            """)
        writes.add(
            """
            UPDATE orders.attendees SET first_name = \(person.firstName), last_name = \(person.lastName),
                   date_of_birth = \(person.dateOfBirth)::date, oib = \(person.oib), passport_number = \(person.passportNumber),
                   passport_country = \(person.passportCountry), nationality = \(person.nationality), person_key = \(key)
            WHERE order_id = \(orderID) AND position = \(position)
            """)
        try await writes.run(on: connection, logger: logger)
    }
}
