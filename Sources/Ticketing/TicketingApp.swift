import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
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

    init(configuration config: TicketingConfiguration, logger: Logger) {
        let postgres = PostgresClient(configuration: config.postgres, backgroundLogger: logger)
        let redis = RedisClient(configuration: config.redis, logger: logger)
        self.init(postgres: postgres, redis: redis, holdTTL: config.holdTTL, logger: logger)
    }

    init(postgres: PostgresClient, redis: RedisClient, holdTTL: Duration, logger: Logger) {
        self.postgres = postgres
        self.redis = redis
        self.profiles = Profiles(postgres: postgres, logger: logger)
        self.stadiums = Stadiums(postgres: postgres, logger: logger)
        var inventory = Inventory(postgres: postgres, redis: redis, holdTTL: holdTTL, logger: logger)
        inventory.seatsLeftChanged = { matchID, left in
            await Matches.followSeatsLeft(postgres: postgres, logger: logger, matchID: matchID, seatsLeft: left)
        }
        self.inventory = inventory
        self.matches = Matches(postgres: postgres, stadiums: self.stadiums, inventory: inventory, logger: logger)
    }
}

/// The composition root of `hns-ticketing`, used by `serve` and by the tests.
public enum TicketingApp {
    public static func build(configuration config: TicketingConfiguration, logger: Logger) async -> some ApplicationProtocol {
        let modules = TicketingModules(configuration: config, logger: logger)
        let verifier = await IdentityVerifier(configuration: config.identity, logger: logger)
        let router = Self.router(modules: modules, verifier: verifier, logger: logger)
        var services: [any Service] = [modules.postgres, modules.redis]
        services.append(HoldExpiryListener(inventory: modules.inventory, database: config.redis.database, logger: logger))
        services.append(HoldSweeper(inventory: modules.inventory, interval: config.holdSweepInterval, logger: logger))
        services.append(AvailabilityRefresher(projection: modules.inventory.projection, interval: config.availabilityRefreshInterval))
        if let refresh = verifier.refreshService { services.append(refresh) }
        return Application(router: router, configuration: config.http.applicationConfiguration, services: services, logger: logger)
    }

    static func router(modules: TicketingModules, verifier: IdentityVerifier, logger: Logger) -> Router<TicketingContext> {
        let router = DaemonRouter.make(daemon: "hns-ticketing", context: TicketingContext.self)
        HealthRoutes.add(to: router, daemon: "hns-ticketing", checks: [
            ReadinessCheck(name: "postgres") { try await modules.postgres.ping(logger: logger); return nil },
            ReadinessCheck(name: "redis") { _ = try await modules.redis.send(["PING"]); return nil },
        ])
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        let auth = Authenticator(verifier: verifier)
        let api = router.group("api/v1")
        modules.profiles.addRoutes(to: api, auth: auth)
        modules.stadiums.addRoutes(to: api, auth: auth)
        modules.matches.addRoutes(to: api, auth: auth)
        let (matches, profiles) = (modules.matches, modules.profiles)
        modules.inventory.addRoutes(to: api, auth: auth) { matchID, buyer in
            try await matches.saleRules(matchID: matchID, buyer: buyer) { try await profiles.loyaltyTier(userID: buyer) }
        }
        return router
    }
}
