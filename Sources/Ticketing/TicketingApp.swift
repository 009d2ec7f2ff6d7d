import AsyncHTTPClient
import Crypto
import Foundation
import HNSBus
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// The modules of the monolith, wired once. Routes and subcommands reach them only through here.
struct TicketingModules: Sendable {
    let postgres: PostgresClient
    let redis: RedisClient
    let profiles: Profiles
    let stadiums: Stadiums
    let inventory: Inventory
    let matches: Matches
    let tickets: Tickets
    let blacklist: Blacklist
    let payments: Payments
    let orders: Orders
    let queueGate: QueueGate
    let support: Support
    let invoicing: Invoicing
    let receivables: Receivables
    let petrol: Petrol
    let access: Access
    let loyalty: Loyalty
    let reconciliation: Reconciliation
    let quotas: Quotas
    /// Nil where no configuration sets them (tests of a module, subcommands).
    var purchaseLimits: PurchaseRateLimits?

    /// `http` carries the calls to Stripe; the shared client when none is given (tests, subcommands).
    init(
        configuration config: TicketingConfiguration, logger: Logger, http: HTTPClient = .shared, purchaseTokens: PurchaseTokenVerifier? = nil,
        clock: WallClock = .system
    ) {
        var database = config.postgres
        // Every statement of the monolith is a keyed lookup or change whose best plan does not depend on
        // the values, so each is planned once per connection (generic plans from the first execution):
        // PostgreSQL's default re-plans a statement on every execution whenever the values' own estimate
        // is cheaper, which it was for the seat pick, the hold and the blacklist check (planning was an
        // eighth of PostgreSQL's work in a sell-out). A generic plan is made with the table sizes of its
        // moment, and on a young database (a new deployment; a benchmark) the tables are nearly empty:
        // with sequential scans off for this pool, such a plan uses the index it would use on a full
        // table (a table without a usable index is still scanned), and statements are written so that
        // the right index is the only one their conditions fit (see the one-ticket-per-person check).
        // ANALYZE invalidates the plans of the tables it visits. JIT is off: costed scans of empty
        // tables exceed `jit_above_cost`, and compiling a lookup takes ~50 ms (it never pays here).
        database.options.additionalStartupParameters.append(contentsOf: [
            ("enable_seqscan", "off"), ("jit", "off"), ("plan_cache_mode", "force_generic_plan"),
        ])
        let postgres = PostgresClient(configuration: database, backgroundLogger: logger)
        let redis = RedisClient(configuration: config.redis, logger: logger)
        var stripe: StripeClient?
        if let base = config.stripeAPIBase, let key = config.stripeSecretKey { stripe = StripeClient(baseURL: base, secretKey: key, client: http) }
        var payments = Payments(postgres: postgres, stripe: stripe, logger: logger)
        // Stripe limits an account: one pace per secret key, shared by every instance.
        let account = config.stripeSecretKey.map { String(SHA256.hash(data: Array($0.value.utf8)).hexString.prefix(12)) } ?? "none"
        payments.refundPacer = config.stripeRefundRate.map {
            RequestPacer(redis: redis, key: "hns:stripe:pace:refunds:\(account)", rate: $0, logger: logger)
        }
        payments.refundConcurrency = config.stripeRefundConcurrency
        payments.refundClaim = config.refundClaim
        var invoicing = Invoicing(postgres: postgres, client: nil, logger: logger)
        if let e = config.eRacuni {
            // e-računi limits each user: one pace per user name, shared by every instance. Ten percent
            // under its window: its limit counts arrivals, and a request that left on its slot may
            // arrive late while the next arrives on time.
            let pacer = e.rate.map {
                RequestPacer(redis: redis, key: "hns:eracuni:pace:\(e.username.uppercased())", rate: $0, logger: logger, headroom: 10)
            }
            var client = ERacuniClient(endpoint: e.endpoint, username: e.username, secretKey: e.secretKey, token: e.token, client: http, pacer: pacer)
            client.timeout = e.timeout
            invoicing = Invoicing(postgres: postgres, client: client, logger: logger)
            invoicing.settings.vatPercent = e.vatPercent
            invoicing.settings.methodOfPayment = e.methodOfPayment
            invoicing.settings.businessUnit = e.businessUnit
            invoicing.settings.cashRegisterCode = e.cashRegisterCode
            invoicing.settings.accountMethodOfPayment = e.accountMethodOfPayment
            invoicing.settings.petrolMethodOfPayment = e.petrolMethodOfPayment
        }
        invoicing.settings.paymentDays = config.deferredPaymentDays
        invoicing.settings.blockBefore = config.deferredBlockBefore
        invoicing.settings.remindEvery = config.deferredRemindEvery
        self.init(
            postgres: postgres, redis: redis, holdTTL: config.holdTTL, paymentGrace: config.paymentGrace, payments: payments,
            invoicing: invoicing, purchaseTokens: purchaseTokens, orderWaitRecheck: config.orderWaitRecheck, transferFreeze: config.transferFreeze,
            clock: clock, petrol: config.petrol, loyalty: config.loyalty, logger: logger)
        self.purchaseLimits = PurchaseRateLimits(
            limiter: RedisRateLimiter(redis: redis, logger: logger), perUser: config.purchaseRatePerUser, perAddress: config.purchaseRatePerAddress,
            addressHeader: config.clientAddressHeader.flatMap { HTTPField.Name($0) })
    }

    /// `payments` carries the Stripe client and the refunds' pace; none by default (no card payments).
    init(
        postgres: PostgresClient, redis: RedisClient, holdTTL: Duration, paymentGrace: Duration = .seconds(600), payments: Payments? = nil,
        invoicing: Invoicing? = nil, purchaseTokens: PurchaseTokenVerifier? = nil, orderWaitRecheck: Duration = Orders.defaultLongPollRecheck,
        transferFreeze: Duration = .seconds(2 * 3600), clock: WallClock = .system, petrol: Petrol.Settings = .init(),
        loyalty: Loyalty.Settings = .init(), logger: Logger
    ) {
        self.postgres = postgres
        self.redis = redis
        self.payments = payments ?? Payments(postgres: postgres, stripe: nil, logger: logger)
        let stripe = self.payments.stripe
        self.stadiums = Stadiums(postgres: postgres, logger: logger)
        var inventory = Inventory(postgres: postgres, redis: redis, holdTTL: holdTTL, logger: logger)
        inventory.seatsLeftChanged = { matchID, left in
            await Matches.followSeatsLeft(postgres: postgres, logger: logger, matchID: matchID, seatsLeft: left)
        }
        inventory.holdEnded = { holdID, reason in
            await Orders.holdEnded(postgres: postgres, redis: redis, stripe: stripe, logger: logger, holdID: holdID, reason: reason)
        }
        self.inventory = inventory
        var matches = Matches(postgres: postgres, stadiums: self.stadiums, inventory: inventory, logger: logger)
        // An AWAY match's seat map gives units their seats: orders and tickets keep copies of the labels.
        matches.seatsAssigned = { connection, matchID, seats in
            try await Orders.relabel(connection, matchID: matchID, seats: seats, logger: logger)
            try await Tickets.relabel(connection, matchID: matchID, seats: seats, logger: logger)
        }
        self.matches = matches
        // A profile shows its person's tier, which the loyalty ledger keeps (per person, not account).
        var profiles = Profiles(postgres: postgres, logger: logger)
        var programme = Loyalty(postgres: postgres, profiles: profiles, matches: matches, logger: logger)
        programme.settings = loyalty
        let ledger = programme
        profiles.tierOf = { try await ledger.tier(personKey: $0) }
        self.profiles = profiles
        self.loyalty = programme
        self.tickets = Tickets(postgres: postgres, logger: logger)
        self.blacklist = Blacklist(postgres: postgres, logger: logger)
        self.orders = Orders(
            postgres: postgres, redis: redis, inventory: inventory, tickets: self.tickets, blacklist: self.blacklist,
            payments: self.payments, holdTTL: holdTTL, paymentGrace: paymentGrace, longPollRecheck: orderWaitRecheck, logger: logger)
        self.queueGate = QueueGate(redis: redis, verifier: purchaseTokens, clock: clock)
        self.support = Support(
            postgres: postgres, blacklist: self.blacklist, inventory: inventory, payments: self.payments, matches: matches,
            transferFreeze: transferFreeze, clock: clock, logger: logger)
        self.invoicing = invoicing ?? Invoicing(postgres: postgres, client: nil, logger: logger)
        self.receivables = Receivables(postgres: postgres, invoicing: self.invoicing, inventory: inventory, logger: logger, clock: clock)
        self.reconciliation = Reconciliation(postgres: postgres, payments: self.payments, logger: logger)
        self.quotas = Quotas(postgres: postgres, inventory: inventory, orders: self.orders, matches: matches, logger: logger)
        let (points, sales) = (self.loyalty, self.matches)
        var till = Petrol(
            postgres: postgres, redis: redis, inventory: inventory, orders: self.orders,
            limiter: RedisRateLimiter(redis: redis, logger: logger),
            limit: { matchID, buyer in try await sales.saleRules(matchID: matchID, buyer: buyer) { try await points.tier(userID: buyer) } },
            logger: logger)
        till.settings = petrol
        self.petrol = till
        self.access = Access(postgres: postgres, matches: matches, loyalty: self.loyalty, logger: logger)
    }
}

/// The composition root of `hns-ticketing`, used by `serve` and by the tests.
public enum TicketingApp {
    /// `clock` is the system's except in tests of time rules kept in this process (cached states).
    public static func build(configuration config: TicketingConfiguration, logger: Logger, clock: WallClock = .system) async
        -> some ApplicationProtocol
    {
        let http = HTTPClientService(
            client: HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    timeout: .init(connect: .seconds(2)),
                    connectionPool: .init(idleTimeout: .seconds(20), concurrentHTTP1ConnectionsPerHostSoftLimit: 128))))
        var purchaseTokens: PurchaseTokenVerifier?
        if let key = config.purchaseTokenKey { purchaseTokens = await PurchaseTokenVerifier(key: key) }
        let modules = TicketingModules(configuration: config, logger: logger, http: http.client, purchaseTokens: purchaseTokens, clock: clock)
        let verifier = await IdentityVerifier(configuration: config.identity, logger: logger)
        let router = Self.router(modules: modules, verifier: verifier, busToken: config.busDeliveryToken, logger: logger)
        var services: [any Service] = [modules.postgres, modules.redis, http]
        var publisher: BusPublisher?
        if let url = config.eventBusURL, let token = config.eventBusToken {
            publisher = BusPublisher(baseURL: url, token: token, client: http.client, timeout: .seconds(5), attempts: 2)
        }
        var relay = OutboxRelay(postgres: modules.postgres, redis: modules.redis, publisher: publisher, logger: logger)
        let invoicing = modules.invoicing
        relay.invoices = { connection, messages in try await invoicing.enqueue(connection, messages) }
        services.append(relay)
        services.append(
            PeriodicService("invoice sender", every: config.invoiceSendInterval, immediately: true, logger: logger) {
                try await invoicing.sendQueued()
            })
        // The sweepers and reconcilers: each a round of its module's work, every interval.
        let reconciler = PaymentReconciler(orders: modules.orders, logger: logger)
        let (payments, inventory, matches, projection) = (modules.payments, modules.inventory, modules.matches, modules.inventory.projection)
        services.append(PeriodicService("payment reconciler", every: config.paymentReconcileInterval, logger: logger) { await reconciler.runOnce() })
        services.append(
            PeriodicService("refund sender", every: config.refundSendInterval, logger: logger) {
                // Round after round while refunds are owed (a cancellation owes thousands), two rounds at
                // once: one records its answers while the other sends, so the pace's slots are not left
                // unused meanwhile.
                let concurrency = max(1, payments.refundConcurrency / 2)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<2 {
                        group.addTask { while try await payments.sendRefunds(limit: payments.refundClaimSize, concurrency: concurrency) > 0 {} }
                    }
                    try await group.waitForAll()
                }
            })
        services.append(PeriodicService("hold sweeper", every: config.holdSweepInterval, logger: logger) { try await inventory.sweepExpiredHolds() })
        services.append(
            PeriodicService("availability refresh", every: config.availabilityRefreshInterval, immediately: true, logger: logger) {
                // With each match's seats left, its sold-out state follows too: a change's own follow-up
                // runs after its commit (a quota's seats back on sale, a refund), so a crash in between
                // is repaired here.
                for id in try await matches.liveMatchIDs() {
                    if let left = await projection.push(matchID: id) { await inventory.seatsLeftChanged(id, left) }
                }
            })
        let (support, batch) = (modules.support, config.cancellationBatch)
        services.append(
            PeriodicService("match cancellations", every: config.cancellationInterval, logger: logger) {
                try await support.runCancellations(batch: batch)
            })
        let quotas = modules.quotas
        services.append(PeriodicService("quota deadlines", every: config.quotaLapseInterval, logger: logger) { _ = try await quotas.lapseDue() })
        let receivables = modules.receivables
        let loyalty = modules.loyalty
        services.append(
            PeriodicService("early access notices", every: config.loyaltyNoticeInterval, logger: logger) {
                _ = try await loyalty.announceOpenPhases()
            })
        services.append(PeriodicService("partner collection", every: config.collectionInterval, logger: logger) { try await receivables.collect() })
        services.append(OrderWatchListener(watch: modules.orders.watch, redis: modules.redis, logger: logger))
        services.append(QueueEventsConsumer(orders: modules.orders, redis: modules.redis, logger: logger))
        services.append(HoldExpiryListener(inventory: modules.inventory, database: config.redis.database, logger: logger))
        if let refresh = verifier.refreshService { services.append(refresh) }
        return Application(
            router: router, server: config.http.server, configuration: config.http.applicationConfiguration, services: services, logger: logger)
    }

    static func router(modules: TicketingModules, verifier: IdentityVerifier, busToken: Secret? = nil, logger: Logger) -> Router<TicketingContext> {
        let router = DaemonRouter.make(daemon: "hns-ticketing", context: TicketingContext.self)
        HealthRoutes.add(
            to: router, daemon: "hns-ticketing",
            checks: [
                ReadinessCheck(name: "postgres") {
                    try await modules.postgres.ping(logger: logger)
                    return nil
                },
                ReadinessCheck(name: "redis") {
                    _ = try await modules.redis.send(["PING"])
                    return nil
                },
            ])
        OpenAPIRoute.add(to: router, yaml: OpenAPIDocument.yaml)
        // Every route is registered in the group of the role that may call it (RequestContext.swift).
        let groups = RouteGroups(router: router, verifier: verifier, busToken: busToken, purchaseLimits: modules.purchaseLimits)
        let (matches, loyalty, gate) = (modules.matches, modules.loyalty, modules.queueGate)
        let idempotency = Idempotency(postgres: modules.postgres, logger: logger)
        // E1
        modules.profiles.addRoutes(to: groups)
        // E2
        modules.stadiums.addRoutes(to: groups)
        modules.matches.addRoutes(to: groups)
        // E3
        modules.inventory.addRoutes(to: groups, idempotency: idempotency) { matchID in
            try await matches.isPublic(matchID: matchID)
        } rules: { matchID, buyer, purchaseToken in
            let limit = try await matches.saleRules(matchID: matchID, buyer: buyer) { try await loyalty.tier(userID: buyer) }
            _ = try await gate.check(matchID: matchID, user: buyer, token: purchaseToken)
            return limit
        }
        // E11
        modules.blacklist.addRoutes(to: groups)
        // E4, E8, E9
        modules.orders.addRoutes(to: groups, queueGate: gate, idempotency: idempotency) { matchID in
            try await matches.match(id: matchID).kickoffAt
        }
        // E7
        modules.quotas.addRoutes(to: groups, idempotency: idempotency)
        // E10
        modules.support.addRoutes(to: groups, idempotency: idempotency)
        modules.support.addRefundRoutes(to: groups, idempotency: idempotency)
        modules.support.addCancellationRoutes(to: groups)
        // E8 accounting
        modules.invoicing.addRoutes(to: groups)
        modules.receivables.addRoutes(to: groups)
        // E12
        modules.petrol.addRoutes(to: groups)
        modules.access.addRoutes(to: groups)
        modules.loyalty.addRoutes(to: groups)
        // E14
        modules.reconciliation.addRoutes(to: groups)
        FinancialReports(postgres: modules.postgres, logger: logger).addRoutes(to: groups)
        DaemonRouter.seal(router)
        return router
    }
}
