import HNSCore
import HTTPTypes

/// Every problem type hns-queue answers with.
enum QueueProblems {
    static let queueTicketInvalid = ProblemType("queue-ticket-invalid", .unauthorized, "Queue ticket invalid")
    static let queueNotOpen = ProblemType("queue-not-open", .conflict, "Queue not open")
    static let rateLimited = ProblemType("rate-limited", .tooManyRequests, "Too many requests")

    /// A queue that does not exist yet cannot be made without its sale start (an update can).
    static let saleStartRequired = ProblemType("sale-start-required", .conflict, "Sale start required")

    static let all: [ProblemType] = ProblemType.common + [queueTicketInvalid, queueNotOpen, rateLimited, saleStartRequired]
}
