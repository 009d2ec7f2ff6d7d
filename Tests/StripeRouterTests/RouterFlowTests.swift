import EventBus
import Foundation
import HNSCore
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

@testable import StripeRouter

#if canImport(Glibc)
    import Glibc
#endif

/// The router in front of a real bus on a real PostgreSQL, with a subscriber on `stripe.backend`.
@Suite struct RouterFlowTests {
    static let secret = "whsec_router_test_0123456789"

    static func routesFile(_ yaml: String = "routes: {drupal: stripe.drupal, backend: stripe.backend}\ndefault: null\n") throws -> String {
        let path = NSTemporaryDirectory() + "routes-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func withRouter<T: Sendable>(busURL: String, routes: String, batch: Bool = true, _ body: @Sendable (String) async throws -> T) async throws
        -> T
    {
        let port = try await ChildProcess.freePort()
        var config = StripeRouterConfiguration(
            http: HTTPSettings(bind: "127.0.0.1", port: port, logLevel: .warning),
            secrets: [Secret("whsec_previous_rotated_out_00"), Secret(secret)], routesPath: routes,
            eventBusURL: busURL, eventBusToken: Secret(BusHarness.routerToken))
        config.reloadInterval = .milliseconds(200)
        config.publishTimeout = .seconds(2)
        config.batchPublishes = batch
        let app = try StripeRouterApp.build(configuration: config, logger: BusHarness.logger())
        return try await withRunningService(app, port: port) { try await body("http://127.0.0.1:\(port)") }
    }

    static func event(id: String, type: String = "payment_intent.succeeded", site: String? = "backend", pad: Int = 0) -> String {
        let metadata = site.map { #"{"site":"\#($0)","order_id":"o-1"}"# } ?? "{}"
        return
            #"{"id":"\#(id)","object":"event","type":"\#(type)","data":{"object":{"id":"pi_1","amount":4200,"metadata":\#(metadata)}},"pad":"\#(String(repeating: "x", count: pad))"}"#
    }

    static func send(_ router: String, _ body: String, signature: String? = nil, secret: String = secret, at: Date = Date()) async throws
        -> TestHTTP.Reply
    {
        let header = signature ?? StripeSignature.header(payload: Array(body.utf8), secret: secret, timestamp: Int64(at.timeIntervalSince1970))
        return try await TestHTTP.post(router + "/webhook/stripe", headers: ["Stripe-Signature": header], json: body)
    }

    /// With and without batch publishes (HNS_STRIPE_PUBLISH_BATCH; the other tests run with the default, on).
    @Test(arguments: [false, true])
    func signed_event_reaches_the_subscriber_once_with_data_unchanged(batch: Bool) async throws {
        try await LocalHTTPServer.with { subscriber async throws -> Void in
            let subs = subscription("backend-stripe", filter: "stripe.backend", url: subscriber.baseURL + "/webhooks/stripe")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                try await Self.withRouter(busURL: bus.baseURL, routes: try Self.routesFile(), batch: batch) { router async throws -> Void in
                    let body = Self.event(id: "evt_e2e_1")
                    let first = try await Self.send(router, body)
                    #expect(first.status == 200)
                    #expect(first.json?["subject"] == .string("stripe.backend"))
                    #expect(first.json?["duplicate"] == .bool(false))
                    // Stripe retries the same event: acknowledged, stored once.
                    let retry = try await Self.send(router, body)
                    #expect(retry.status == 200)
                    #expect(retry.json?["duplicate"] == .bool(true))

                    #expect(try await eventually { subscriber.requests.count == 1 })
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(subscriber.requests.count == 1)
                    let envelope = subscriber.requests[0].json()
                    #expect(envelope?["subject"] == .string("stripe.backend"))
                    #expect(envelope?["message_id"] == .string("evt_e2e_1"))
                    let sent = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
                    #expect(envelope?["data"] == sent)
                    // The raw bytes are what the bus stored.
                    let stored = try await bus.storedData(where: "msg_id = 'evt_e2e_1'")
                    #expect(stored == body)
                }
            }
        }
    }

    @Test func refusals_publish_nothing() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            try await Self.withRouter(busURL: bus.baseURL, routes: try Self.routesFile()) { router async throws -> Void in
                let body = Self.event(id: "evt_bad")
                let unsigned = try await TestHTTP.post(router + "/webhook/stripe", json: body)
                #expect(unsigned.status == 400)
                #expect(unsigned.json?["type"] == .string(Problem.typeBase + "signature-missing"))
                let wrongSecret = try await Self.send(router, body, secret: "whsec_someone_else_000000")
                #expect(wrongSecret.json?["type"] == .string(Problem.typeBase + "signature-mismatch"))
                let stale = try await Self.send(router, body, at: Date().addingTimeInterval(-400))
                #expect(stale.json?["type"] == .string(Problem.typeBase + "signature-timestamp"))
                let malformed = try await Self.send(router, body, signature: "t=abc,v1=00")
                #expect(malformed.json?["type"] == .string(Problem.typeBase + "signature-malformed"))
                #expect(try await Self.send(router, "not json").status == 400)
                // Decodable but not valid JSON (a leading zero, a bad escape): refused, never published as it is.
                for body in [#"{"id":"evt_j1","type":"x.y","data":{"object":{"n":01}}}"#, #"{"id":"evt_j2","type":"x.y","s":"\q"}"#] {
                    let reply = try await Self.send(router, body)
                    #expect(reply.status == 400)
                    #expect(reply.json?["type"] == .string(Problem.typeBase + "malformed-json"))
                }
                let idNotString = try await Self.send(router, #"{"id":7,"type":"x.y"}"#)
                #expect(idNotString.status == 400)
                #expect(idNotString.text.contains("\"field\":\"id\""))
                let noID = try await Self.send(router, #"{"type":"x.y"}"#)
                #expect(noID.status == 400)
                #expect(noID.text.contains("\"field\":\"id\""))
                // An id the bus could not take as a Msg-Id (a NUL, over 255 bytes) is refused, correctly signed or not.
                for id in ["evt_\\u0000x", "evt_" + String(repeating: "a", count: 260)] {
                    let reply = try await Self.send(router, Self.event(id: id))
                    #expect(reply.status == 400, "\(reply.text)")
                    #expect(reply.json?["type"] == .string(Problem.typeBase + "not-an-event"))
                }
                let huge = try await Self.send(router, Self.event(id: "evt_big", pad: 1 << 20))
                #expect(huge.status == 413)
                let get = try await TestHTTP.get(router + "/webhook/stripe")
                #expect(get.status == 405 && get.header("allow") == "POST")
                #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 0)
                let metrics = try await TestHTTP.get(router + "/metrics").text
                #expect(metrics.contains("hns_stripe_router_rejected_total{reason=\"signature-mismatch\"}"))
            }
        }
    }

    @Test func unroutable_events_get_200_and_are_parked() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            try await Self.withRouter(busURL: bus.baseURL, routes: try Self.routesFile()) { router async throws -> Void in
                let reply = try await Self.send(router, Self.event(id: "evt_refund_1", type: "charge.refund.updated", site: nil))
                #expect(reply.status == 200)
                #expect(reply.json?["routed"] == .bool(false))
                #expect(reply.json?["subject"] == .string("stripe.unroutable"))
                #expect(
                    try await bus.count(
                        "SELECT count(*)::int FROM eventbus.messages WHERE subject = 'stripe.unroutable' AND msg_id = 'unroutable:evt_refund_1'") == 1
                )
            }
        }
    }

    @Test func bus_down_or_refusing_gives_500_so_stripe_retries() async throws {
        let dead = "http://127.0.0.1:\(try await ChildProcess.freePort())"
        try await Self.withRouter(busURL: dead, routes: try Self.routesFile()) { router async throws -> Void in
            let reply = try await Self.send(router, Self.event(id: "evt_nobus"))
            #expect(reply.status == 500)
            #expect(try await TestHTTP.get(router + "/readyz").status == 503)
        }
        // A bus that answers 4xx (our configuration is wrong): still 500, never a silent 200.
        try await LocalHTTPServer.with(handler: { _ in (403, #"{"title":"Forbidden"}"#) }) { fakeBus async throws -> Void in
            try await Self.withRouter(busURL: fakeBus.baseURL, routes: try Self.routesFile()) { router async throws -> Void in
                #expect(try await Self.send(router, Self.event(id: "evt_forbidden")).status == 500)
            }
        }
    }

    @Test func the_table_hot_reloads_and_a_broken_edit_is_refused() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let path = try Self.routesFile("routes: {backend: stripe.backend}\n")
            try await Self.withRouter(busURL: bus.baseURL, routes: path) { router async throws -> Void in
                let before = try await TestHTTP.get(router + "/readyz").json?["checks"]?["routing_table"]?["detail"]?["version"]
                #expect(try await Self.send(router, Self.event(id: "evt_r1", site: "drupal")).json?["subject"] == .string("stripe.unroutable"))
                try "routes: {backend: stripe.backend, drupal: stripe.drupal}\n".write(toFile: path, atomically: true, encoding: .utf8)
                #expect(
                    try await eventually(timeout: .seconds(2)) {
                        try await TestHTTP.get(router + "/readyz").json?["checks"]?["routing_table"]?["detail"]?["version"] != before
                    })
                #expect(try await Self.send(router, Self.event(id: "evt_r2", site: "drupal")).json?["subject"] == .string("stripe.drupal"))
                let good = try await TestHTTP.get(router + "/readyz").json?["checks"]?["routing_table"]?["detail"]?["version"]
                try "routes: {drupal: 'stripe.*'}\n".write(toFile: path, atomically: true, encoding: .utf8)
                try await Task.sleep(for: .milliseconds(600))
                #expect(try await TestHTTP.get(router + "/readyz").json?["checks"]?["routing_table"]?["detail"]?["version"] == good)
                #expect(try await Self.send(router, Self.event(id: "evt_r3", site: "drupal")).json?["subject"] == .string("stripe.drupal"))
            }
        }
    }
}

extension RouterFlowTests {
    @Test func the_openapi_document_matches_the_router_and_the_catalogue() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            try await Self.withRouter(busURL: bus.baseURL, routes: try Self.routesFile()) { router async throws -> Void in
                let served = try await TestHTTP.get(router + "/openapi.yaml")
                #expect(served.status == 200)
                let differences = try OpenAPIParity.differences(
                    served.text, routes: DaemonRouter.routes(of: "hns-stripe-router"), catalogue: RouterProblems.all)
                #expect(differences.isEmpty, "\(differences)")
            }
        }
    }
}
