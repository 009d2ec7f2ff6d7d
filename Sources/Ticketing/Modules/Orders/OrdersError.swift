import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO

/// Why an order operation was refused (`TicketingProblems` maps each to its problem type).
enum OrdersError: Error, Sendable {
    case notFound
    case holdHasOrder
    /// A blacklisted attendee. The message is neutral on purpose; staff see the hit.
    case refused(attendees: [Int])
    case invalidTransition(OrderState.InvalidTransition)
    case endedWhilePaying(OrderState)
}
