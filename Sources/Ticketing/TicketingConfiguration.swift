import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import HTTPTypes
import PostgresNIO

/// Everything `hns-ticketing` reads from its environment, parsed once.
public struct TicketingConfiguration: Sendable {
    public var http: HTTPSettings
    public var postgres: PostgresClient.Configuration
    public var redis: RedisConfiguration
    public var eventBusURL: String?
    public var eventBusToken: Secret?
    public var identity: IdentityConfiguration
    /// How long a cart hold keeps its seats (seed: 15 min).
    public var holdTTL: Duration
    /// How often the sweeper releases holds whose time is up, in case Redis lost the expiring key.
    public var holdSweepInterval: Duration
    /// How often the Redis availability projection is re-pushed from the exact counters.
    public var availabilityRefreshInterval: Duration
    /// Stripe's REST API (or the simulator in development and tests); nil: card payments off.
    public var stripeAPIBase: String?
    public var stripeSecretKey: Secret?
    /// The bus's Bearer token on deliveries to `/webhooks/stripe` (the subscription's `token_env`).
    public var busDeliveryToken: Secret?
    /// Verifies the queue's purchase tokens while a match's waiting room is active.
    public var purchaseTokenKey: HS256Key?
    /// How long a hold whose payment is under way waits past its expiry for the outcome.
    public var paymentGrace: Duration = .seconds(10 * 60)
    /// How often overdue payments are settled by asking Stripe, and refunds are sent.
    public var paymentReconcileInterval: Duration = .seconds(30)
    /// How often a request waiting for its order (`?wait=N`) re-reads it, should the announcement
    /// that the order settled have been lost.
    public var orderWaitRecheck: Duration = Orders.defaultLongPollRecheck
    /// Purchase calls (holds, orders, payments) allowed per user and per client address; nil: no limit.
    public var purchaseRatePerUser: RateLimit? = RateLimit(count: 60, window: .seconds(60))
    public var purchaseRatePerAddress: RateLimit? = RateLimit(count: 1200, window: .seconds(60))
    /// Support transfers stop this long before kick-off (the gates' lists are being prepared).
    public var transferFreeze: Duration = .seconds(2 * 3600)
    /// How often each instance looks for match cancellations to carry on, and how many orders it
    /// refunds per transaction.
    public var cancellationInterval: Duration = .seconds(2)
    public var cancellationBatch = 100
    /// How often each instance looks for quotas whose claim deadline passed (their unclaimed seats
    /// go to the parent quota, a root's to general sale).
    public var quotaLapseInterval: Duration = .seconds(5)
    /// Refund requests to Stripe, over every instance; nil: unpaced. By default Stripe's documented
    /// limit for one endpoint (25 requests/s; 100/s for the whole account in live mode).
    public var stripeRefundRate: RateLimit? = RateLimit(count: 25, window: .seconds(1))
    /// Refund requests in flight at once, per instance.
    public var stripeRefundConcurrency = 16
    /// How long a refund sender's claim lasts (after a crash, how long its refunds wait for another).
    public var refundClaim: Duration = .seconds(300)
    /// How often an idle refund sender looks for refunds owed (a busy one goes on at once).
    public var refundSendInterval: Duration = .seconds(1)
    /// The header a proxy in front writes the client's address into (`X-Forwarded-For`); nil: none.
    public var clientAddressHeader: String?
    /// e-računi's API endpoint and credentials; nil: documents are queued and wait.
    public var eRacuni: ERacuniSettings?
    /// How often an idle invoice sender looks for documents to send.
    public var invoiceSendInterval: Duration = .seconds(1)
    /// Partner orders on account (deferred): days to pay, when unpaid tickets are blocked before
    /// kick-off, how often an overdue partner is reminded, and how often collection runs (pulls
    /// invoices and payments back from e-računi, reminds, blocks).
    public var deferredPaymentDays = 14
    public var deferredBlockBefore: Duration = .seconds(48 * 3600)
    public var deferredRemindEvery: Duration = .seconds(72 * 3600)
    public var collectionInterval: Duration = .seconds(300)
    /// Petrol station sales: PIN lifetime, a till's hold, Petrol's commission, look-up limits.
    var petrol = Petrol.Settings()
    /// Loyalty points' rules and tiers (`HNS_LOYALTY_RULES`, `HNS_LOYALTY_TIERS`).
    var loyalty = Loyalty.Settings()
    /// How often early-access phases that opened are announced to their fans.
    public var loyaltyNoticeInterval: Duration = .seconds(30)

    public struct ERacuniSettings: Sendable {
        public var endpoint: String
        public var username: String
        public var secretKey: Secret
        public var token: Secret
        /// Requests over every instance (the account's documented limit: 4 per 4 s); nil: unpaced.
        public var rate: RateLimit? = RateLimit(count: 4, window: .seconds(4))
        /// How long an answer may take before its outcome counts as unknown.
        public var timeout: Duration = .seconds(30)
        public var vatPercent = 25
        public var methodOfPayment = "Stripe"
        /// How e-računi books a partner's payment on account (a bank transfer).
        public var accountMethodOfPayment = "BankTransfer"
        /// How e-računi books a sale paid at a Petrol till.
        public var petrolMethodOfPayment = "Other"
        public var businessUnit: String?
        public var cashRegisterCode: String?

        public init(endpoint: String, username: String, secretKey: Secret, token: Secret) {
            self.endpoint = endpoint
            self.username = username
            self.secretKey = secretKey
            self.token = token
        }
    }

    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws -> TicketingConfiguration {
        let env = EnvironmentReader(values)
        let http = HTTPSettings.read(env, portVariable: "HNS_TICKETING_PORT", defaultPort: 8080)
        let postgres = PostgresURL.read("HNS_DATABASE_URL", from: env)
        let redis = readRedis(env)
        let busURL = env.url("HNS_EVENTBUS_URL", schemes: ["http", "https"], required: false)
        let busToken = env.secret("HNS_EVENTBUS_TOKEN")
        if busURL != nil, busToken == nil { env.problem("HNS_EVENTBUS_TOKEN is required when HNS_EVENTBUS_URL is set") }
        let identity = IdentityConfiguration.read(env)
        let holdTTL = env.duration("HNS_HOLD_TTL", default: .seconds(15 * 60))
        let sweep = env.duration("HNS_HOLD_SWEEP_INTERVAL", default: .seconds(30))
        let refresh = env.duration("HNS_AVAILABILITY_REFRESH_INTERVAL", default: .seconds(10))
        let stripeBase = env.url("HNS_STRIPE_API_BASE", schemes: ["http", "https"], required: false)
        let stripeKey = env.secret("HNS_STRIPE_SECRET_KEY")
        if (stripeBase == nil) != (stripeKey == nil) { env.problem("HNS_STRIPE_API_BASE and HNS_STRIPE_SECRET_KEY go together: set both or neither") }
        let deliveryToken = env.secret("HNS_BUS_TOKEN_BACKEND")
        let purchaseKey = HS256Key.read(env, PurchaseToken.signingKeyVariable, required: false)
        let grace = env.duration("HNS_PAYMENT_GRACE", default: .seconds(10 * 60))
        let reconcile = env.duration("HNS_PAYMENT_RECONCILE_INTERVAL", default: .seconds(30))
        let recheck = env.duration("HNS_ORDER_WAIT_RECHECK", default: Orders.defaultLongPollRecheck)
        // Shorter would turn every waiting request into a loop of reads.
        if recheck < .milliseconds(100) { env.problem("HNS_ORDER_WAIT_RECHECK must be at least 100ms") }
        let perUser = env.rateLimit("HNS_PURCHASE_RATE_PER_USER", default: RateLimit(count: 60, window: .seconds(60)))
        let perAddress = env.rateLimit("HNS_PURCHASE_RATE_PER_ADDRESS", default: RateLimit(count: 1200, window: .seconds(60)))
        let addressHeader = env.string("HNS_CLIENT_ADDRESS_HEADER")
        let transferFreeze = env.duration("HNS_TRANSFER_FREEZE", default: .seconds(2 * 3600))
        let cancellationInterval = env.duration("HNS_CANCELLATION_INTERVAL", default: .seconds(2))
        let cancellationBatch = env.int("HNS_CANCELLATION_BATCH", default: 100, range: 1...1000)
        let quotaLapse = env.duration("HNS_QUOTA_LAPSE_INTERVAL", default: .seconds(5))
        let refundRate = env.rateLimit("HNS_STRIPE_REFUND_RATE", default: RateLimit(count: 25, window: .seconds(1)))
        let refundConcurrency = env.int("HNS_STRIPE_REFUND_CONCURRENCY", default: 16, range: 1...256)
        let refundInterval = env.duration("HNS_REFUND_SEND_INTERVAL", default: .seconds(1))
        let refundClaim = env.duration("HNS_REFUND_CLAIM", default: .seconds(300))
        if refundClaim < .seconds(1) { env.problem("HNS_REFUND_CLAIM must be at least 1s") }
        if let addressHeader, HTTPField.Name(addressHeader) == nil { env.problem("HNS_CLIENT_ADDRESS_HEADER is not a header name") }
        let eRacuni = Self.readERacuni(env)
        let invoiceInterval = env.duration("HNS_INVOICE_SEND_INTERVAL", default: .seconds(1))
        let paymentDays = env.int("HNS_DEFERRED_PAYMENT_DAYS", default: 14, range: 0...365)
        let blockBefore = env.duration("HNS_DEFERRED_BLOCK_BEFORE", default: .seconds(48 * 3600))
        let remindEvery = env.duration("HNS_DEFERRED_REMIND_EVERY", default: .seconds(72 * 3600))
        let collection = env.duration("HNS_COLLECTION_INTERVAL", default: .seconds(300))
        // e-računi's pace is shared with the documents: a round is one list request.
        if collection < .seconds(1) { env.problem("HNS_COLLECTION_INTERVAL must be at least 1s") }
        var petrol = Petrol.Settings()
        petrol.pinTTL = env.duration("HNS_PETROL_PIN_TTL", default: petrol.pinTTL)
        petrol.holdTTL = env.duration("HNS_PETROL_HOLD_TTL", default: petrol.holdTTL)
        petrol.commissionBasisPoints = env.int("HNS_PETROL_COMMISSION_BPS", default: petrol.commissionBasisPoints, range: 0...10_000)
        petrol.lookupsPerClerk = env.rateLimit("HNS_PETROL_LOOKUPS_PER_CLERK", default: petrol.lookupsPerClerk)
        petrol.lookupsPerStation = env.rateLimit("HNS_PETROL_LOOKUPS_PER_STATION", default: petrol.lookupsPerStation)
        petrol.missesBeforeLockout = env.int("HNS_PETROL_MISSES_BEFORE_LOCKOUT", default: petrol.missesBeforeLockout, range: 1...1000)
        petrol.lockout = env.duration("HNS_PETROL_LOCKOUT", default: petrol.lockout)
        if petrol.holdTTL < .seconds(1) { env.problem("HNS_PETROL_HOLD_TTL must be at least 1s") }
        let loyalty = Self.readLoyalty(env)
        let loyaltyNotices = env.duration("HNS_LOYALTY_NOTICE_INTERVAL", default: .seconds(30))
        try env.validate("hns-ticketing")
        var config = TicketingConfiguration(
            http: http, postgres: postgres!, redis: redis!, eventBusURL: busURL?.absoluteString, eventBusToken: busToken,
            identity: identity!, holdTTL: holdTTL, holdSweepInterval: sweep, availabilityRefreshInterval: refresh)
        config.stripeAPIBase = stripeBase.map { $0.absoluteString.hasSuffix("/") ? String($0.absoluteString.dropLast()) : $0.absoluteString }
        config.stripeSecretKey = stripeKey
        config.busDeliveryToken = deliveryToken
        config.purchaseTokenKey = purchaseKey
        config.paymentGrace = grace
        config.paymentReconcileInterval = reconcile
        config.orderWaitRecheck = recheck
        config.purchaseRatePerUser = perUser
        config.purchaseRatePerAddress = perAddress
        config.clientAddressHeader = addressHeader
        config.transferFreeze = transferFreeze
        config.cancellationInterval = cancellationInterval
        config.cancellationBatch = cancellationBatch
        config.quotaLapseInterval = quotaLapse
        config.stripeRefundRate = refundRate
        config.stripeRefundConcurrency = refundConcurrency
        config.refundSendInterval = refundInterval
        config.refundClaim = refundClaim
        config.eRacuni = eRacuni
        config.loyalty = loyalty
        config.loyaltyNoticeInterval = loyaltyNotices
        config.invoiceSendInterval = invoiceInterval
        config.deferredPaymentDays = paymentDays
        config.deferredBlockBefore = blockBefore
        config.deferredRemindEvery = remindEvery
        config.collectionInterval = collection
        config.petrol = petrol
        return config
    }

    /// `HNS_ERACUNI_URL` (the API's endpoint, e.g. https://e-racuni.com/WebServicesHR/API) with the
    /// user name, API secret and company token: all four, or none.
    /// `HNS_LOYALTY_RULES`: JSON `{"home":10,"away":20,"competitions":{"<name>":{"home":5,"away":10}},
    /// "transferred_tickets_earn":false,"other_email_tickets_earn":false}` (every key optional);
    /// `HNS_LOYALTY_TIERS`: `bronze=10,silver=50,gold=150` (points from which each tier starts).
    static func readLoyalty(_ env: EnvironmentReader) -> Loyalty.Settings {
        var settings = Loyalty.Settings()
        if let text = env.string("HNS_LOYALTY_RULES") {
            if let rules = try? JSONDecoder().decode(Loyalty.Rules.self, from: Data(text.utf8)) {
                settings.points = .init(home: rules.home ?? settings.points.home, away: rules.away ?? settings.points.away)
                settings.competitions = rules.competitions ?? [:]
                settings.transferredEarns = rules.transferredTicketsEarn ?? false
                settings.otherEmailEarns = rules.otherEmailTicketsEarn ?? false
                let all = [settings.points] + settings.competitions.values
                if all.contains(where: { $0.home < 0 || $0.away < 0 || $0.home > 10_000 || $0.away > 10_000 }) {
                    env.problem("HNS_LOYALTY_RULES: points must be 0…10000")
                }
            } else {
                env.problem("HNS_LOYALTY_RULES is not the JSON object the README describes")
            }
        }
        if let text = env.string("HNS_LOYALTY_TIERS") {
            var tiers: [(name: String, points: Int)] = []
            for part in text.split(separator: ",") {
                let pair = part.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, SalesPhase.tiers.dropFirst().contains(pair[0]), let points = Int(pair[1]), points > 0 else {
                    env.problem("HNS_LOYALTY_TIERS must read bronze=N,silver=N,gold=N")
                    return settings
                }
                tiers.append((pair[0], points))
            }
            let order = tiers.map { SalesPhase.tiers.firstIndex(of: $0.name) ?? 0 }
            guard tiers.count == 3, order == order.sorted(), Set(order).count == 3, tiers.map(\.points) == tiers.map(\.points).sorted(),
                Set(tiers.map(\.points)).count == 3
            else {
                env.problem("HNS_LOYALTY_TIERS must give bronze, silver and gold, in that order, with rising points")
                return settings
            }
            settings.tiers = tiers
        }
        return settings
    }

    static func readERacuni(_ env: EnvironmentReader) -> ERacuniSettings? {
        let url = env.url("HNS_ERACUNI_URL", schemes: ["http", "https"], required: false)
        let user = env.string("HNS_ERACUNI_USERNAME")
        let secret = env.secret("HNS_ERACUNI_SECRET_KEY")
        let token = env.secret("HNS_ERACUNI_TOKEN")
        let rate = env.rateLimit("HNS_ERACUNI_RATE", default: RateLimit(count: 4, window: .seconds(4)))
        let timeout = env.duration("HNS_ERACUNI_TIMEOUT", default: .seconds(30))
        let vat = env.int("HNS_ERACUNI_VAT_PERCENT", default: 25, range: 0...100)
        let method = env.string("HNS_ERACUNI_PAYMENT_METHOD", default: "Stripe")
        let accountMethod = env.string("HNS_ERACUNI_ACCOUNT_PAYMENT_METHOD", default: "BankTransfer")
        let petrolMethod = env.string("HNS_ERACUNI_PETROL_PAYMENT_METHOD", default: "Other")
        if timeout < .seconds(1) { env.problem("HNS_ERACUNI_TIMEOUT must be at least 1s") }
        let given = [url != nil, user != nil, secret != nil, token != nil]
        guard given.contains(true) else { return nil }
        guard let url, let user, let secret, let token else {
            env.problem("HNS_ERACUNI_URL, HNS_ERACUNI_USERNAME, HNS_ERACUNI_SECRET_KEY and HNS_ERACUNI_TOKEN go together: set all four or none")
            return nil
        }
        var settings = ERacuniSettings(endpoint: url.absoluteString, username: user, secretKey: secret, token: token)
        settings.rate = rate
        settings.timeout = timeout
        settings.vatPercent = vat
        settings.methodOfPayment = method
        settings.accountMethodOfPayment = accountMethod
        settings.petrolMethodOfPayment = petrolMethod
        settings.businessUnit = env.string("HNS_ERACUNI_BUSINESS_UNIT")
        settings.cashRegisterCode = env.string("HNS_ERACUNI_CASH_REGISTER")
        return settings
    }
}

/// `HNS_REDIS_URL`, recording a problem when missing or malformed.
func readRedis(_ env: EnvironmentReader) -> RedisConfiguration? {
    let raw = env.require("HNS_REDIS_URL", hint: "redis://host:6379/0")
    guard !raw.isEmpty else { return nil }
    do {
        return try RedisConfiguration(url: raw)
    } catch {
        env.problem("HNS_REDIS_URL is not a valid redis:// URL (\(error))")
        return nil
    }
}
