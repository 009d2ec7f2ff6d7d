import HNSCore
import HTTPTypes

/// Why a reservation or release was refused (`TicketingProblems` maps each to its problem type).
enum InventoryError: Error, Sendable {
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
}
