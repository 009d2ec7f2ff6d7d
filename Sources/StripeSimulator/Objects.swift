import Foundation

/// The Stripe objects the simulator keeps, and their JSON as Stripe writes it.
struct PaymentIntent: Sendable {
    struct PaymentError: Sendable {
        var code: String
        var declineCode: String
        var message: String
        var charge: String
    }

    let id: String
    let amount: Int
    let currency: String
    let description: String?
    let metadata: [(String, String)]
    let automaticPaymentMethods: Bool?
    let clientSecret: String
    let created: Int
    var status = "requires_payment_method"
    var amountReceived = 0
    var amountRefunded = 0
    var latestCharge: String?
    var chargeCreated: Int?
    var lastPaymentError: PaymentError?
    var canceledAt: Int?
    var cancellationReason: String?

    var json: StripeJSON {
        let error: StripeJSON =
            self.lastPaymentError.map { e in
                .object([
                    ("charge", .string(e.charge)), ("code", .string(e.code)), ("decline_code", .string(e.declineCode)),
                    ("doc_url", "https://stripe.com/docs/error-codes/card-declined"), ("message", .string(e.message)),
                    ("type", "card_error"),
                ])
            } ?? .null
        return .object([
            ("id", .string(self.id)),
            ("object", "payment_intent"),
            ("amount", .int(self.amount)),
            ("amount_capturable", 0),
            ("amount_received", .int(self.amountReceived)),
            ("automatic_payment_methods", self.automaticPaymentMethods.map { .object([("enabled", .bool($0))]) } ?? .null),
            ("canceled_at", .optional(self.canceledAt)),
            ("cancellation_reason", .optional(self.cancellationReason)),
            ("capture_method", "automatic"),
            ("client_secret", .string(self.clientSecret)),
            ("confirmation_method", "automatic"),
            ("created", .int(self.created)),
            ("currency", .string(self.currency)),
            ("description", .optional(self.description)),
            ("last_payment_error", error),
            ("latest_charge", .optional(self.latestCharge)),
            ("livemode", false),
            ("metadata", .strings(self.metadata)),
            ("payment_method", .null),
            ("payment_method_types", .array(["card"])),
            ("status", .string(self.status)),
        ])
    }

    /// The succeeded charge as `charge.*` events carry it (PaymentIntent metadata copied, as Stripe does).
    var chargeJSON: StripeJSON {
        .object([
            ("id", .optional(self.latestCharge)),
            ("object", "charge"),
            ("amount", .int(self.amount)),
            ("amount_captured", .int(self.amountReceived)),
            ("amount_refunded", .int(self.amountRefunded)),
            ("balance_transaction", .null),
            ("captured", true),
            ("created", .int(self.chargeCreated ?? self.created)),
            ("currency", .string(self.currency)),
            ("description", .optional(self.description)),
            ("disputed", false),
            ("failure_code", .null),
            ("failure_message", .null),
            ("livemode", false),
            ("metadata", .strings(self.metadata)),
            ("paid", true),
            ("payment_intent", .string(self.id)),
            ("refunded", .bool(self.amountRefunded >= self.amountReceived && self.amountReceived > 0)),
            ("status", "succeeded"),
        ])
    }
}

struct Refund: Sendable {
    let id: String
    let amount: Int
    let currency: String
    let paymentIntent: String
    let charge: String
    let metadata: [(String, String)]
    let reason: String?
    let created: Int
    /// `succeeded` when made; `failed` when `/_sim/refunds/{id}/fail` says the bank sent it back.
    var status = "succeeded"
    var failureReason: String?

    var json: StripeJSON {
        .object([
            ("id", .string(self.id)),
            ("object", "refund"),
            ("amount", .int(self.amount)),
            ("balance_transaction", .null),
            ("charge", .string(self.charge)),
            ("created", .int(self.created)),
            ("currency", .string(self.currency)),
            ("metadata", .strings(self.metadata)),
            ("payment_intent", .string(self.paymentIntent)),
            ("failure_reason", .optional(self.failureReason)),
            ("reason", .optional(self.reason)),
            ("status", .string(self.status)),
        ])
    }
}

/// An event as it was sent (its bytes never change, so a resend is the same event), and what
/// became of each delivery attempt.
struct Event: Sendable {
    struct Attempt: Sendable {
        let number: Int
        let trigger: String
        let at: Double
        let status: Int?
        let error: String?

        var json: StripeJSON {
            .object([
                ("attempt", .int(self.number)), ("trigger", .string(self.trigger)), ("at_ms", .int(Int(self.at * 1000))),
                ("status", .optional(self.status)), ("error", .optional(self.error)),
            ])
        }
    }

    let id: String
    let type: String
    /// Delivery lane: events of one PaymentIntent are delivered in order.
    let lane: String
    let created: Int
    let json: StripeJSON
    let bytes: [UInt8]
    /// `pending`, `delivered`, `failed` (retries exhausted), `not_sent` (deliver=false) or `no_endpoint`.
    var state: String
    var attempts: [Attempt] = []

    var simulatorJSON: StripeJSON {
        self.json.appending([("delivery_state", .string(self.state)), ("deliveries", .array(self.attempts.map(\.json)))])
    }
}

enum StripeIDs {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static func random(_ prefix: String, length: Int = 24) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<length).map { _ in Self.alphabet[Int(generator.next() % UInt64(Self.alphabet.count))] })
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
