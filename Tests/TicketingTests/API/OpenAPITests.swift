import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import HNSTestSupport
import HTTPTypes
import Hummingbird
import PostgresNIO
import Testing
import Yams

@testable import Ticketing

@Suite struct OpenAPITests {
    /// Every route of the router is documented and every documented operation is a route; the
    /// document lists the daemon's catalogue of problem types, each with its status and title.
    @Test func the_document_matches_the_router_and_the_catalogue() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let served = try await h.call("GET", "/openapi.yaml")
            #expect(served.status == 200)
            let document = try #require(try Yams.load(yaml: served.body) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let routes = try await TicketingApp.testRoutes()
            let differences = try OpenAPIParity.differences(served.body, routes: routes, catalogue: TicketingProblems.all)
            #expect(differences.isEmpty, "\(differences)")
        }
    }
}

extension TicketingApp {
    /// The router's routes as `METHOD /path/{param}`.
    static func testRoutes() async throws -> Set<String> {
        let redis = try await RedisTestServer.sharedURL()
        let config = try TicketingConfiguration.fromEnvironment([
            "HNS_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "HNS_REDIS_URL": redis,
            "HNS_IDENTITY_ISSUER": TicketingHarness.issuer, "HNS_IDENTITY_AUDIENCE": TicketingHarness.audience,
            "HNS_IDENTITY_HS256_SECRET": TicketingHarness.secret,
        ])
        let modules = TicketingModules(configuration: config, logger: TicketingHarness.logger)
        let verifier = await IdentityVerifier(configuration: config.identity)
        let router = Self.router(modules: modules, verifier: verifier, logger: TicketingHarness.logger)
        return Set(
            router.routes.map { route in
                let path = route.path.components.map { component -> String in
                    let text = "\(component)"
                    return text.hasPrefix(":") ? "{\(text.dropFirst())}" : text
                }.joined(separator: "/")
                return "\(route.method.rawValue) /\(path)"
            })
    }
}
