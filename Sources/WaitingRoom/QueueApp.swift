import HNSCore
import HNSIdentity
import HNSRedis
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The composition root of `hns-queue`, used by `serve` and by the tests.
public enum QueueApp {
    /// `clock` is the system's except in tests of time rules.
    public static func build(configuration config: QueueConfiguration, logger: Logger, clock: WallClock = .system) async
        -> some ApplicationProtocol
    {
        let redis = RedisClient(configuration: config.redis, logger: logger)
        let verifier = await IdentityVerifier(configuration: config.identity, logger: logger)
        let signer = await PurchaseTokenSigner(key: config.signingKey)
        let store = QueueStore(redis: redis, keys: QueueKeys(prefix: config.keyPrefix), clock: clock)
        let hub = ConnectionHub(instanceID: config.instanceID)
        let fanout = QueueFanout(store: store, hub: hub, config: config, logger: logger)
        let admission = AdmissionLoop(store: store, signer: signer, config: config, logger: logger)

        let router = DaemonRouter.make(daemon: "hns-queue", context: QueueRequestContext.self)
        HealthRoutes.add(
            to: router, daemon: "hns-queue",
            checks: [
                ReadinessCheck(name: "redis") {
                    _ = try await redis.send(["PING"])
                    return nil
                }
            ])
        let tickets = QueueTicketCodec(secret: config.ticketSecret, clock: clock)
        QueueRoutes(store: store, hub: hub, fanout: fanout, tickets: tickets, verifier: verifier, config: config)
            .add(to: router)
        OpenAPIRoute.add(to: router, yaml: QueueOpenAPI.yaml)
        DaemonRouter.seal(router)

        var services: [any Service] = [redis]
        if let refresh = verifier.refreshService { services.append(refresh) }
        services += [fanout, admission]
        // No permessage-deflate: it costs memory per socket and positions are tiny.
        let sockets = QueueSockets(store: store, hub: hub, fanout: fanout, tickets: tickets, silentAfter: TimeAmount(config.pingInterval * 2))
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in QueueServerChannel(responder: responder, sockets: sockets, http1: config.http.http1) },
            configuration: config.http.applicationConfiguration, services: services, logger: logger)
    }
}
