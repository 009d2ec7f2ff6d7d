import AsyncHTTPClient
import HNSBus
import HNSCore
import Hummingbird
import Logging
import NIOHTTP1

/// The composition root of `hns-stripe-router`, used by `serve` and by the tests. The router keeps no
/// state: any number of instances behind a load balancer behave as one.
public enum StripeRouterApp {
    public static func build(configuration config: StripeRouterConfiguration, logger: Logger) throws -> some ApplicationProtocol {
        let watcher = try RoutingTableWatcher(path: config.routesPath, interval: config.reloadInterval, logger: logger)
        // AsyncHTTPClient allows 8 connections per host by default: far below the concurrency Stripe
        // delivers at, and the bus answers each publish only after its commit.
        let http = HTTPClientService(
            client: HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    timeout: .init(connect: .seconds(2)),
                    connectionPool: .init(idleTimeout: .seconds(20), concurrentHTTP1ConnectionsPerHostSoftLimit: 256))))
        let publisher = BusPublisher(
            baseURL: config.eventBusURL, token: config.eventBusToken, client: http.client, timeout: config.publishTimeout, attempts: 2)
        let router = DaemonRouter.make(daemon: "hns-stripe-router", context: BasicRequestContext.self)
        HealthRoutes.add(
            to: router, daemon: "hns-stripe-router",
            checks: [
                ReadinessCheck(name: "routing_table") {
                    let table = watcher.current
                    return .object([
                        "version": .string(table.version), "loaded_at": .string(Envelope.rfc3339(table.loadedAt)),
                        "sites": .number(Double(table.sites.count)), "event_types": .number(Double(table.eventTypes.count)),
                    ])
                },
                ReadinessCheck(name: "eventbus") {
                    var request = HTTPClientRequest(url: config.eventBusURL + "/healthz")
                    request.method = .GET
                    let response = try await http.client.execute(request, timeout: .seconds(2))
                    guard response.status == .ok else { throw BusPublisher.Failure.unavailable("HTTP \(response.status.code)") }
                    return nil
                },
            ])
        WebhookRoutes(
            config: config, table: watcher, publisher: publisher, batcher: config.batchPublishes ? PublishBatcher(publisher: publisher) : nil
        )
        .add(to: router)
        OpenAPIRoute.add(to: router, yaml: RouterOpenAPI.yaml)
        DaemonRouter.seal(router)
        return Application(
            router: router, server: config.http.server, configuration: config.http.applicationConfiguration, services: [http, watcher], logger: logger
        )
    }
}
