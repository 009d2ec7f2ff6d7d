import Foundation
import HNSCore

/// Everything `hns-stripe-sim` reads from its environment, parsed once.
public struct StripeSimulatorConfiguration: Sendable {
    /// How a confirmation ends: Stripe's `payment_intent.succeeded` or `payment_intent.payment_failed`.
    public enum Outcome: String, Sendable, CaseIterable {
        case succeeded
        case failed
    }

    public var http: HTTPSettings
    /// The secret key clients must send (`Authorization: Bearer sk_test_…`).
    public var apiKey: Secret
    /// Where events are POSTed; nil: events are recorded, never sent.
    public var webhookURL: String?
    /// The endpoint secret (`whsec_…`) that signs deliveries; required with `webhookURL`.
    public var webhookSecret: Secret?
    /// Confirm every new PaymentIntent by itself after `autoConfirmDelay` (benchmarks).
    public var autoConfirm: Outcome?
    public var autoConfirmDelay: Duration
    /// The pauses before each webhook retry (Stripe's own schedule, shortened for development);
    /// tests shorten them further rather than wait.
    /// Requests allowed per window before 429 (Stripe's live mode: 100/1s); nil: unlimited.
    public var rateLimit: RateLimit?
    public var webhookRetryDelays: [Duration] = [.milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5)]
    /// The e-računi account the simulator also stands in for (`POST /WebServicesHR/API`); nil: not served.
    public var eRacuni: ERacuniAccount?
    /// e-računi's limit per user (4 requests in 4 s); nil: unlimited.
    public var eRacuniRate: RateLimit? = RateLimit(count: 4, window: .seconds(4))

    public struct ERacuniAccount: Sendable {
        public var username: String
        public var secretKey: String
        public var token: String

        public init(username: String, secretKey: String, token: String) {
            self.username = username
            self.secretKey = secretKey
            self.token = token
        }
    }

    public init(
        http: HTTPSettings, apiKey: Secret, webhookURL: String? = nil, webhookSecret: Secret? = nil,
        autoConfirm: Outcome? = nil, autoConfirmDelay: Duration = .zero
    ) {
        self.http = http
        self.apiKey = apiKey
        self.webhookURL = webhookURL
        self.webhookSecret = webhookSecret
        self.autoConfirm = autoConfirm
        self.autoConfirmDelay = autoConfirmDelay
    }

    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws -> StripeSimulatorConfiguration {
        let env = EnvironmentReader(values)
        let http = HTTPSettings.read(env, portVariable: "HNS_STRIPE_SIM_PORT", defaultPort: 12111)
        let apiKey = env.requireSecret("HNS_STRIPE_SIM_API_KEY")
        if !apiKey.value.isEmpty, !(apiKey.value.hasPrefix("sk_test_") || apiKey.value.hasPrefix("rk_test_")) {
            env.problem("HNS_STRIPE_SIM_API_KEY must be a test secret key (sk_test_…)")
        }
        let url = env.url("HNS_STRIPE_SIM_WEBHOOK_URL", schemes: ["http", "https"], required: false)
        var secret = env.secret("HNS_STRIPE_SIM_WEBHOOK_SECRET")
        if secret?.value.isEmpty == true { secret = nil }
        if let secret, !secret.value.hasPrefix("whsec_") {
            env.problem("HNS_STRIPE_SIM_WEBHOOK_SECRET must be an endpoint secret (whsec_…)")
        }
        if env.string("HNS_STRIPE_SIM_WEBHOOK_URL") != nil, secret == nil {
            env.problem("HNS_STRIPE_SIM_WEBHOOK_SECRET (or HNS_STRIPE_SIM_WEBHOOK_SECRET_FILE) is not set, but HNS_STRIPE_SIM_WEBHOOK_URL is")
        }
        var autoConfirm: Outcome?
        if let raw = env.string("HNS_STRIPE_SIM_AUTO_CONFIRM") {
            autoConfirm = Outcome(rawValue: raw.lowercased())
            if autoConfirm == nil { env.problem("HNS_STRIPE_SIM_AUTO_CONFIRM=\(raw) is neither succeeded nor failed") }
        }
        let delay = env.duration("HNS_STRIPE_SIM_AUTO_CONFIRM_DELAY", default: .zero)
        let rateLimit = env.rateLimit("HNS_STRIPE_SIM_RATE_LIMIT", default: nil)
        let eUser = env.string("HNS_ERACUNI_SIM_USERNAME")
        let eSecret = env.secret("HNS_ERACUNI_SIM_SECRET_KEY")
        let eToken = env.secret("HNS_ERACUNI_SIM_TOKEN")
        let eRate = env.rateLimit("HNS_ERACUNI_SIM_RATE", default: RateLimit(count: 4, window: .seconds(4)))
        var eRacuni: ERacuniAccount?
        if let eUser, let eSecret, let eToken {
            eRacuni = ERacuniAccount(username: eUser, secretKey: eSecret.value, token: eToken.value)
        } else if eUser != nil || eSecret != nil || eToken != nil {
            env.problem("HNS_ERACUNI_SIM_USERNAME, HNS_ERACUNI_SIM_SECRET_KEY and HNS_ERACUNI_SIM_TOKEN go together: set all three or none")
        }
        try env.validate("hns-stripe-sim")
        var config = StripeSimulatorConfiguration(
            http: http, apiKey: apiKey, webhookURL: url?.absoluteString, webhookSecret: secret,
            autoConfirm: autoConfirm, autoConfirmDelay: delay)
        config.rateLimit = rateLimit
        config.eRacuni = eRacuni
        config.eRacuniRate = eRate
        return config
    }

    /// Where and how events are sent, or nil when they are only recorded.
    var webhook: (url: String, secret: String)? {
        guard let webhookURL, let webhookSecret, !webhookSecret.value.isEmpty else { return nil }
        return (webhookURL, webhookSecret.value)
    }
}
