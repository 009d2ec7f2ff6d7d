import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO

/// Why an order operation was refused; each maps to one problem `type`.
enum OrdersError: Error, ProblemConvertible, Sendable {
    case notFound
    case holdHasOrder
    /// A blacklisted attendee. The message is neutral on purpose; staff see the hit.
    case refused(attendees: [Int])
    case invalidTransition(OrderState.InvalidTransition)
    case endedWhilePaying(OrderState)

    var problem: Problem {
        switch self {
        case .notFound: .notFound("No such order.")
        case .holdHasOrder: Problem(status: .conflict, slug: "hold-has-order", detail: "These seats already have an order.")
        case .refused(let indexes):
            Problem(status: .forbidden, slug: "attendee-refused",
                    detail: "Tickets cannot be issued to one of the ticket holders. Please contact HNS support.",
                    errors: indexes.map { .init(field: "attendees[\($0)]", message: "cannot hold a ticket for this match") })
        case .invalidTransition(let error): Problem(status: .conflict, slug: "order-state", detail: error.description)
        case .endedWhilePaying(let state):
            Problem(status: .conflict, slug: "order-ended", detail: "The order became \(state.rawValue) while the payment was being prepared.")
        }
    }
}
