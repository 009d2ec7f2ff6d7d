import HNSCore
import HTTPTypes

/// Every problem type hns-stripe-router answers with. A bad signature is a 400 of its own kind per
/// reason (`StripeSignature.Failure`), so Stripe's dashboard shows why a delivery was refused.
enum RouterProblems {
    static let notAnEvent = ProblemType("not-an-event", .badRequest, "Not a Stripe event")
    static let busUnavailable = ProblemType("bus-unavailable", .internalServerError, "Event bus unavailable")
    static let signatureMissing = ProblemType("signature-missing", .badRequest, "Invalid Stripe signature")
    static let signatureMalformed = ProblemType("signature-malformed", .badRequest, "Invalid Stripe signature")
    static let signatureNoV1 = ProblemType("signature-no-v1", .badRequest, "Invalid Stripe signature")
    static let signatureTimestamp = ProblemType("signature-timestamp", .badRequest, "Invalid Stripe signature")
    static let signatureMismatch = ProblemType("signature-mismatch", .badRequest, "Invalid Stripe signature")

    static let all: [ProblemType] =
        ProblemType.common + [
            notAnEvent, busUnavailable, signatureMissing, signatureMalformed, signatureNoV1, signatureTimestamp, signatureMismatch,
        ]

    static func signature(_ failure: StripeSignature.Failure) -> ProblemType {
        switch failure {
        case .missingHeader: signatureMissing
        case .malformedHeader: signatureMalformed
        case .noV1Signature: signatureNoV1
        case .timestampOutsideTolerance: signatureTimestamp
        case .noMatchingSignature: signatureMismatch
        }
    }
}
