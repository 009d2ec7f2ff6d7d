import AsyncHTTPClient
import HNSBus
import HNSCore
import HNSPostgres
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// The composition root of `hns-eventbus`, used by `serve` and by the tests.
public struct EventBusApp: Sendable {
    public let application: Application<RouterResponder<BasicRequestContext>>
    public let postgres: PostgresClient
    public let manager: DeliveryManager
    public let retention: Retention
    public let admin: EventBusAdmin

    public static func build(configuration config: EventBusConfiguration, logger: Logger) -> EventBusApp {
        let postgres = PostgresClient(configuration: config.postgres, backgroundLogger: logger)
        let httpService = HTTPClientService(
            client: HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    timeout: .init(connect: .seconds(5)),
                    connectionPool: .init(idleTimeout: .seconds(20), concurrentHTTP1ConnectionsPerHostSoftLimit: 64))))
        var lazy = config.postgres
        lazy.options.additionalStartupParameters = [("synchronous_commit", "off")]
        lazy.options.maximumConnections = 8
        let bookkeeping = PostgresClient(configuration: lazy, backgroundLogger: logger)
        let store = LogStore(client: postgres, bookkeeping: bookkeeping, stream: config.stream.name, logger: logger)
        let sequencer = Sequencer(store: store, duplicateWindow: config.stream.duplicateWindow, logger: logger)
        let manager = DeliveryManager(config: config, store: store, http: httpService.client, logger: logger)
        let status = RetentionStatus()
        let retention = Retention(config: config, store: store, logger: logger, status: status)
        let admin = EventBusAdmin(client: postgres, stream: config.stream, logger: logger)

        let router = DaemonRouter.make(daemon: "hns-eventbus", context: BasicRequestContext.self)
        HealthRoutes.add(
            to: router, daemon: "hns-eventbus",
            checks: [
                ReadinessCheck(name: "postgres") {
                    try await postgres.ping(logger: logger)
                    return nil
                },
                ReadinessCheck(name: "retention") {
                    // Up, but names subscriptions whose oldest pending message is close to expiry.
                    let risk = status.atRisk.value
                    return risk.isEmpty ? nil : .object(["expiring_soon": .object(risk.mapValues { .number($0) })])
                },
            ])
        PublishRoutes(stream: config.stream, sequencer: sequencer).add(to: router)
        AdminRoutes(admin: admin, token: config.adminToken, manager: manager).add(to: router)
        OpenAPIRoute.add(to: router, yaml: BusOpenAPI.yaml(stream: config.stream))
        DaemonRouter.seal(router)

        // Order = dependencies: pools first, then the workers, the HTTP server last (Application runs
        // its server after these and stops it first on SIGTERM).
        let app = Application(
            router: router,
            server: config.http.server,
            configuration: config.http.applicationConfiguration,
            services: [postgres, bookkeeping, httpService, sequencer, manager, retention],
            logger: logger)
        return EventBusApp(application: app, postgres: postgres, manager: manager, retention: retention, admin: admin)
    }
}
