import HNSCore
import HTTPTypes

/// Every problem type hns-eventbus answers with.
enum BusProblems {
    static let unknownSubject = ProblemType("unknown-subject", .badRequest, "Subject not in the stream")

    static let all: [ProblemType] = ProblemType.common + [unknownSubject]
}
