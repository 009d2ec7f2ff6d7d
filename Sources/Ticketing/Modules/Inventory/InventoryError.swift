import HTTPTypes
import HNSCore

/// Why a reservation or release was refused; each maps to one problem `type`.
enum InventoryError: Error, ProblemConvertible, Sendable {
    case matchNotFound
    case sectorNotFound(String)
    case sectorClosed(String)
    case notEnoughSeats(sector: String, requested: Int, available: Int)
    case seatsUnavailable([Int64])
    case buyerLimit(limit: Int, already: Int, requested: Int)
    case holdNotFound
    case holdNotActive(state: String)
    /// Every candidate row was locked by concurrent buyers; retried, then reported as 503.
    case contention
    /// The hold's payment has started; it ends with the payment's outcome.
    case paymentUnderWay

    var problem: Problem {
        switch self {
        case .matchNotFound: .notFound("No such match.")
        case .sectorNotFound(let code):
            Problem(status: .notFound, slug: "not-found", detail: "No sector \(code) at this match.", errors: [.init(field: "sector", message: "no sector \(code)")])
        case .sectorClosed(let code): Problem(status: .conflict, slug: "sector-closed", detail: "Sector \(code) is not on sale.")
        case .notEnoughSeats(let sector, let requested, let available):
            Problem(status: .conflict, slug: "not-enough-seats",
                    detail: "Sector \(sector) has \(available) seats left; \(requested) were asked for.",
                    extensions: ["available": .number(Double(available))])
        case .seatsUnavailable(let ids):
            Problem(status: .conflict, slug: "seats-unavailable", detail: "Some of the chosen seats are no longer available.",
                    extensions: ["unavailable_unit_ids": .array(ids.map { .number(Double($0)) })])
        case .buyerLimit(let limit, let already, let requested):
            Problem(status: .conflict, slug: "buyer-limit",
                    detail: "At most \(limit) tickets per buyer for this match; you hold or bought \(already) and asked for \(requested).",
                    errors: [.init(field: "quantity", message: "exceeds the limit of \(limit) per buyer")])
        case .holdNotFound: .notFound("No such hold.")
        case .holdNotActive(let state): Problem(status: .conflict, slug: "hold-not-active", detail: "The hold is \(state).")
        case .paymentUnderWay:
            Problem(status: .conflict, slug: "payment-under-way", detail: "A payment for these seats is under way; cancel the order's payment instead.")
        case .contention: .unavailable("Too many fans are reserving in this sector right now; try again.")
        }
    }
}
