import Foundation
import HNSCore

/// Everything `hns-stripe-router` reads from its environment, parsed once.
public struct StripeRouterConfiguration: Sendable {
    public var http: HTTPSettings
    public var secrets: [Secret]
    public var routesPath: String
    public var eventBusURL: String
    public var eventBusToken: Secret
    public var tolerance: Int64 = 300
    public var publishTimeout: Duration = .seconds(5)
    public var reloadInterval: Duration = .seconds(1)
    public var maxBody = 1 << 20
    /// Concurrent webhooks are published to the bus together (`HNS_STRIPE_PUBLISH_BATCH`, default on):
    /// one HTTP exchange on each side and one bus commit per batch instead of per event.
    public var batchPublishes = true

    public init(http: HTTPSettings, secrets: [Secret], routesPath: String, eventBusURL: String, eventBusToken: Secret) {
        self.http = http
        self.secrets = secrets
        self.routesPath = routesPath
        self.eventBusURL = eventBusURL
        self.eventBusToken = eventBusToken
    }

    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws -> StripeRouterConfiguration {
        let env = EnvironmentReader(values)
        let http = HTTPSettings.read(env, portVariable: "HNS_STRIPE_ROUTER_PORT", defaultPort: 8082)
        let rawSecrets = env.requireSecret("HNS_STRIPE_WEBHOOK_SECRETS")
        let secrets = rawSecrets.value.split(separator: ",").map { Secret($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.value.isEmpty }
        if !rawSecrets.value.isEmpty, secrets.isEmpty { env.problem("HNS_STRIPE_WEBHOOK_SECRETS holds no secret") }
        let routes = env.require("HNS_STRIPE_ROUTES", hint: "path of the routing YAML")
        if !routes.isEmpty, !FileManager.default.fileExists(atPath: routes) { env.problem("HNS_STRIPE_ROUTES names \(routes), which does not exist") }
        let bus = env.url("HNS_EVENTBUS_URL", schemes: ["http", "https"])
        let token = env.requireSecret("HNS_EVENTBUS_TOKEN")
        let tolerance = env.int("HNS_STRIPE_TOLERANCE_SECONDS", default: 300, range: 1...86400)
        let timeout = env.duration("HNS_STRIPE_PUBLISH_TIMEOUT", default: .seconds(5))
        let poll = env.duration("HNS_STRIPE_ROUTES_POLL", default: .seconds(1))
        let batch = env.string("HNS_STRIPE_PUBLISH_BATCH", default: "on").lowercased()
        if !["on", "off", "true", "false", "1", "0"].contains(batch) { env.problem("HNS_STRIPE_PUBLISH_BATCH=\(batch) is not on or off") }
        try env.validate("hns-stripe-router")
        var config = StripeRouterConfiguration(
            http: http, secrets: secrets, routesPath: routes, eventBusURL: bus!.absoluteString, eventBusToken: token)
        config.tolerance = Int64(tolerance)
        config.publishTimeout = timeout
        config.reloadInterval = poll
        config.batchPublishes = ["on", "true", "1"].contains(batch)
        return config
    }
}
