import AsyncHTTPClient
import Foundation
import HNSCore
import HTTPTypes
import Hummingbird
import Logging

/// The composition root of `hns-stripe-sim`, used by `serve` and by tests: a stand-in for Stripe's
/// REST API and webhooks for development and tests. All state is in memory.
public enum StripeSimulatorApp {
    /// The API version events are written in.
    public static let apiVersion = "2024-06-20"

    public static func build(configuration config: StripeSimulatorConfiguration, logger: Logger) throws -> some ApplicationProtocol {
        let check = EnvironmentReader([:])
        if config.apiKey.value.isEmpty { check.problem("the API key is empty") }
        if config.webhookURL != nil, config.webhook == nil { check.problem("a webhook URL needs a webhook secret (whsec_…)") }
        try check.validate("hns-stripe-sim")

        let simulator = Simulator(configuration: config)
        // A refused connection is one failed attempt, recorded at once, as Stripe records it; the
        // client's own default would keep reconnecting until the request's deadline.
        var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2)), connectionPool: .init(idleTimeout: .seconds(30)))
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClientOwner(client: HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration))
        var delivery = WebhookDelivery(simulator: simulator, client: http.client, logger: logger)
        delivery.retryDelays = config.webhookRetryDelays

        let router = DaemonRouter.make(daemon: "hns-stripe-sim", context: SimulatorContext.self)
        router.add(middleware: StripeAuthMiddleware(apiKey: config.apiKey.value))
        HealthRoutes.add(
            to: router, daemon: "hns-stripe-sim",
            checks: [
                ReadinessCheck(name: "simulator") {
                    let counts = simulator.withState { s in (s.paymentIntents.count, s.events.count) }
                    return .object([
                        "payment_intents": .number(Double(counts.0)), "events": .number(Double(counts.1)),
                        "webhook": config.webhook.map { .string($0.url) } ?? .null,
                    ])
                }
            ])
        StripeAPIRoutes(simulator: simulator, delivery: delivery).add(to: router)
        if let account = config.eRacuni {
            ERacuniSimulator(
                credentials: .init(username: account.username, secretKey: account.secretKey, token: account.token), limit: config.eRacuniRate
            ).add(to: router)
        }
        DaemonRouter.seal(router)
        return Application(
            router: router, server: config.http.server, configuration: config.http.applicationConfiguration, services: [http, delivery],
            logger: logger)
    }
}

/// Stripe's authentication for `/v1/…` and the simulator's `/_sim/…`: the secret key as a Bearer
/// token (or as the Basic user name, as Stripe also accepts), and Stripe's error for an unknown URL.
struct StripeAuthMiddleware: RouterMiddleware {
    typealias Context = SimulatorContext
    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/v1/") || path.hasPrefix("/_sim/") else { return try await next(request, context) }
        guard let presented = Self.presentedKey(request.headers[.authorization]) else {
            return Self.unauthorized(.noAPIKey)
        }
        guard ConstantTime.equal(Array(presented.utf8), Array(self.apiKey.utf8)) else {
            return Self.unauthorized(.invalidAPIKey(presented))
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            return StripeAPIRoutes.respond(StripeError.unrecognizedURL(request.method.rawValue, path).answer)
        }
    }

    static func unauthorized(_ error: StripeError) -> Response {
        var response = StripeAPIRoutes.respond(error.answer)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"Stripe\""
        return response
    }

    static func presentedKey(_ header: String?) -> String? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), let space = header.firstIndex(of: " ") else { return nil }
        let scheme = header[..<space].lowercased()
        let value = header[header.index(after: space)...].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        switch scheme {
        case "bearer":
            return value
        case "basic":
            guard let data = Data(base64Encoded: value), let decoded = String(data: data, encoding: .utf8) else { return nil }
            let user = decoded.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return user.isEmpty ? nil : user
        default:
            return nil
        }
    }

}
