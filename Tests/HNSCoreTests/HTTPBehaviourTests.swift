import Foundation
import HNSCore
import HNSTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@Suite struct HTTPBehaviourTests {
    struct Order: Decodable {
        let seats: Int
        let holder: Holder
    }
    struct Holder: Decodable { let oib: String }

    func app() -> some ApplicationProtocol {
        HNSMetrics.bootstrap()
        let router = DaemonRouter.make(daemon: "test", context: BasicRequestContext.self)
        HealthRoutes.add(to: router, daemon: "test", checks: [])
        router.post("/orders/{id}") { request, context -> String in
            let order = try await request.decodeJSON(as: Order.self, context: context)
            return "\(order.seats)"
        }
        router.get("/boom") { _, _ -> String in throw CancellationError() }
        router.get("/refuse") { _, _ -> String in throw Problem.validation(field: "seats", "must be 1 to 8") }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Application(router: router, logger: logger)
    }

    @Test func unknown_route_is_a_404_problem() async throws {
        try await self.app().test(.router) { client in
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                let body = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                #expect(body["status"] == .number(404))
                #expect(body["title"] == .string("Not Found"))
                #expect(response.headers[.requestID] != nil)
            }
        }
    }

    @Test func malformed_json_missing_field_and_wrong_type_name_the_fault() async throws {
        try await self.app().test(.router) { client in
            try await client.execute(uri: "/orders/1", method: .post, body: ByteBuffer(string: "{not json")) { response in
                #expect(response.status == .badRequest)
                let body = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                #expect(body["type"] == .string(Problem.typeBase + "malformed-json"))
            }
            try await client.execute(uri: "/orders/1", method: .post, body: ByteBuffer(string: #"{"seats":2,"holder":{}}"#)) { response in
                #expect(response.status == .unprocessableContent)
                let body = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                #expect(body["errors"] == .array([.object(["field": .string("holder.oib"), "message": .string("is required")])]))
            }
            try await client.execute(uri: "/orders/1", method: .post, body: ByteBuffer(string: #"{"seats":"two","holder":{"oib":"1"}}"#)) {
                response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("\"field\":\"seats\""))
            }
        }
    }

    @Test func too_large_body_is_a_413_problem() async throws {
        let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 3 << 20)
        try await self.app().test(.router) { client in
            try await client.execute(uri: "/orders/1", method: .post, body: big) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func unexpected_errors_are_a_500_without_internals() async throws {
        try await self.app().test(.router) { client in
            try await client.execute(uri: "/boom", method: .get) { response in
                #expect(response.status == .internalServerError)
                let text = String(buffer: response.body)
                #expect(!text.contains("CancellationError"))
                #expect(text.contains("\"status\":500"))
            }
            try await client.execute(uri: "/refuse", method: .get) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("\"field\":\"seats\""))
            }
        }
    }

    @Test func metrics_are_labelled_by_route_template() async throws {
        try await self.app().test(.router) { client in
            for id in 1...3 {
                try await client.execute(uri: "/orders/\(id)", method: .post, body: ByteBuffer(string: #"{"seats":1,"holder":{"oib":"x"}}"#)) { _ in }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("hns_http_requests_total{"))
                #expect(text.contains("route=\"/orders/{id}\""))
                #expect(!text.contains("route=\"/orders/2\""))
            }
        }
    }

    @Test func request_id_from_the_caller_is_kept() async throws {
        try await self.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "abc-123"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.requestID] == "abc-123")
            }
        }
    }
}
