import HNSCore
import HTTPTypes

/// Every problem type hns-queue answers with.
enum QueueProblems {
    static let queueTicketInvalid = ProblemType("queue-ticket-invalid", .unauthorized, "Queue ticket invalid")
    static let queueNotOpen = ProblemType("queue-not-open", .conflict, "Queue not open")
    static let rateLimited = ProblemType("rate-limited", .tooManyRequests, "Too many requests")

    static let all: [ProblemType] = ProblemType.common + [queueTicketInvalid, queueNotOpen, rateLimited]
}
