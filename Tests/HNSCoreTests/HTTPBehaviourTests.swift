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
        router.get("/orders/{id}") { _, context -> String in context.parameters.decoded("id") ?? "" }
        DaemonRouter.seal(router)
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

    func problem(_ response: TestResponse) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
    }

    @Test func a_control_character_in_any_string_is_a_422_naming_the_field() async throws {
        try await self.app().test(.router) { client in
            for body in [
                #"{"seats":1,"holder":{"oib":"12\u0000"}}"#, #"{"seats":1,"holder":{"oib":"\u001b[1m"}}"#,
                "{\"seats\":1,\"holder\":{\"oib\":\"a\u{7F}\"}}", "{\"seats\":1,\"holder\":{\"oib\":\"a\u{85}\"}}",
            ] {
                try await client.execute(uri: "/orders/1", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .unprocessableContent, "\(body)")
                    let errors = try self.problem(response)["errors"]
                    #expect(errors == .array([.object(["field": .string("holder.oib"), "message": .string("must not contain control characters")])]))
                }
            }
            // An escaped backslash before "u0000" is text, not an escape; tab and line feed are text too.
            try await client.execute(uri: "/orders/1", method: .post, body: ByteBuffer(string: #"{"seats":1,"holder":{"oib":"a\\u0000\tb\n"}}"#)) {
                response in
                #expect(response.status == .ok)
            }
            let long = String(repeating: "é", count: JSONBodyRules.maxStringLength + 1)
            try await client.execute(uri: "/orders/1", method: .post, body: ByteBuffer(string: #"{"seats":1,"holder":{"oib":"\#(long)"}}"#)) {
                response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("at most \(JSONBodyRules.maxStringLength) characters"))
            }
        }
    }

    @Test func wrong_numbers_and_types_are_422s_in_words_not_swift_types() async throws {
        try await self.app().test(.router) { client in
            for (body, message) in [
                (#"{"seats":2.5,"holder":{"oib":"1"}}"#, "must be a whole number"),
                (#"{"seats":99999999999999999999,"holder":{"oib":"1"}}"#, "must be a whole number"),
                (#"{"seats":"two","holder":{"oib":"1"}}"#, "must be a whole number"),
                (#"{"seats":2,"holder":"me"}"#, "must be an object"),
                (#"{"seats":2,"holder":{"oib":5}}"#, "must be a string"),
            ] {
                try await client.execute(uri: "/orders/1", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .unprocessableContent, "\(body)")
                    let errors = try self.problem(response)["errors"]
                    guard case .array(let list)? = errors, let message0 = list.first?["message"]?.stringValue else {
                        Issue.record("no field errors for \(body)")
                        return
                    }
                    #expect(message0.hasPrefix(message), "\(body): \(message0)")
                    #expect(!message0.contains("Int") && !message0.contains("Dictionary") && !message0.contains("Swift"))
                }
            }
        }
    }

    @Test func a_method_the_path_does_not_have_is_a_405_with_allow() async throws {
        try await self.app().test(.router) { client in
            try await client.execute(uri: "/orders/7", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, POST")
                let type = try self.problem(response)["type"]
                #expect(type == .string(Problem.typeBase + "method-not-allowed"))
            }
            try await client.execute(uri: "/nope/7", method: .delete) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func path_parameters_are_percent_decoded() async throws {
        try await self.app().test(.router) { client in
            try await client.execute(uri: "/orders/N%31", method: .get) { response in
                #expect(String(buffer: response.body) == "N1")
            }
        }
    }
}
