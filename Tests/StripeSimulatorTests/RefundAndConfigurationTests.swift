import Foundation
import HNSCore
import HNSTestSupport
import StripeSimulator
import Testing

@Suite struct RefundTests {
    @Test func refunds_take_part_or_the_rest_and_refuse_more_than_was_received() async throws {
        try await LocalHTTPServer.with { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(amount: 5000, orderID: "o-refund")
                let unpaid = try await sim.post("/v1/refunds", form: "payment_intent=\(id)")
                #expect(unpaid.status == 400)
                #expect(unpaid.json?["error"]?["type"] == .string("invalid_request_error"))
                #expect(try await sim.post("/v1/refunds", form: "amount=100").json?["error"]?["code"] == .string("parameter_missing"))
                #expect(try await sim.post("/v1/refunds", form: "payment_intent=pi_nope").status == 404)

                _ = try await sim.confirm(id)
                let partial = try await sim.post("/v1/refunds", form: "payment_intent=\(id)&amount=2000&metadata[reason]=seat_moved")
                #expect(partial.status == 200)
                let refund = try #require(partial.json)
                #expect(refund["id"]?.stringValue?.hasPrefix("re_") == true)
                #expect(refund["object"] == .string("refund"))
                #expect(refund["amount"] == .number(2000))
                #expect(refund["currency"] == .string("eur"))
                #expect(refund["payment_intent"] == .string(id))
                #expect(refund["status"] == .string("succeeded"))
                #expect(refund["metadata"] == .object(["reason": .string("seat_moved")]))
                #expect(refund["created"]?.intValue != nil)

                let tooMuch = try await sim.post("/v1/refunds", form: "payment_intent=\(id)&amount=3001")
                #expect(tooMuch.status == 400)
                #expect(tooMuch.json?["error"]?["code"] == .string("amount_too_large"))
                #expect(tooMuch.json?["error"]?["param"] == .string("amount"))

                let rest = try await sim.post("/v1/refunds", form: "payment_intent=\(id)")
                #expect(rest.json?["amount"] == .number(3000))
                let again = try await sim.post("/v1/refunds", form: "payment_intent=\(id)&amount=1")
                #expect(again.status == 400)
                #expect(again.json?["error"]?["code"] == .string("charge_already_refunded"))

                let list = try await sim.get("/v1/refunds?payment_intent=\(id)")
                #expect(list.json?["object"] == .string("list"))
                #expect(list.json?["has_more"] == .bool(false))
                guard case .array(let refunds)? = list.json?["data"] else {
                    Issue.record("no list")
                    return
                }
                #expect(refunds.map { $0["amount"] } == [.number(3000), .number(2000)])  // newest first
                guard case .array(let others)? = try await sim.get("/v1/refunds?payment_intent=pi_other").json?["data"] else { return }
                #expect(others.isEmpty)

                // succeeded, then charge.refunded and refund.created per refund, in order.
                #expect(try await eventually { receiver.requests.count == 5 })
                let events = receiver.requests.dropFirst().compactMap { $0.json() }
                #expect(
                    events.map { $0["type"] } == [
                        .string("charge.refunded"), .string("refund.created"), .string("charge.refunded"), .string("refund.created"),
                    ])
                let created = events.filter { $0["type"] == .string("refund.created") }.map { $0["data"]?["object"] }
                #expect(created.map { $0?["amount"] } == [.number(2000), .number(3000)])
                #expect(created.allSatisfy { $0?["status"] == .string("succeeded") && $0?["object"] == .string("refund") })
                let refunded = events.filter { $0["type"] == .string("charge.refunded") }
                let charge = try #require(refunded.last?["data"]?["object"])
                #expect(charge["object"] == .string("charge"))
                #expect(charge["payment_intent"] == .string(id))
                #expect(charge["metadata"]?["order_id"] == .string("o-refund"))
                #expect(refunded.map { $0["data"]?["object"]?["amount_refunded"] } == [.number(2000), .number(5000)])
                #expect(charge["refunded"] == .bool(true))
                #expect(receiver.requests.allSatisfy { signatureVerifies($0) })
            }
        }
    }
}

@Suite struct SimulatorRateLimitTests {
    @Test func requests_beyond_the_rate_get_stripes_429_and_the_traffic_is_counted() async throws {
        try await SimulatorHarness.with { sim in
            let set = try await sim.postJSON("/_sim/traffic", json: #"{"rate_limit":"3/1m"}"#)
            #expect(set.status == 200 && set.json?["rate_limit_count"] == .number(3), "\(set.text)")
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await sim.get("/v1/refunds").status) }
            #expect(statuses == [200, 200, 200, 429, 429])
            let limited = try await sim.get("/v1/refunds")
            #expect(limited.json?["error"]?["code"] == .string("rate_limit") && limited.json?["error"]?["type"] == .string("invalid_request_error"))
            // The simulator's own controls are not Stripe's API: never limited, never counted.
            let traffic = try await sim.get("/_sim/traffic")
            #expect(traffic.status == 200)
            #expect(traffic.json?["requests"] == .number(6) && traffic.json?["rate_limited"] == .number(3), "\(traffic.text)")
            // The three accepted requests, in one calendar second or across two.
            #expect([.number(2), .number(3)].contains(traffic.json?["max_requests_per_second"]), "\(traffic.text)")
            let off = try await sim.postJSON("/_sim/traffic", json: #"{"rate_limit":"off"}"#)
            #expect(off.json?["requests"] == .number(0) && off.json?["rate_limit_count"] == .null)
            #expect(try await sim.get("/v1/refunds").status == 200)
            #expect(try await sim.postJSON("/_sim/traffic", json: #"{"rate_limit":"often"}"#).status == 400)
        }
    }
}

@Suite struct SimulatorConfigurationTests {
    @Test func the_environment_is_read_with_defaults_and_every_problem_named_at_once() throws {
        let config = try StripeSimulatorConfiguration.fromEnvironment([
            "HNS_STRIPE_SIM_API_KEY": "sk_test_abc",
            "HNS_STRIPE_SIM_WEBHOOK_URL": "http://127.0.0.1:8082/webhook/stripe",
            "HNS_STRIPE_SIM_WEBHOOK_SECRET": "whsec_abc",
            "HNS_STRIPE_SIM_AUTO_CONFIRM": "failed",
            "HNS_STRIPE_SIM_AUTO_CONFIRM_DELAY": "250ms", "HNS_STRIPE_SIM_RATE_LIMIT": "100/1s",
        ])
        #expect(config.rateLimit == RateLimit(count: 100, window: .seconds(1)))
        #expect(config.http.port == 12111)
        #expect(config.http.bind == "127.0.0.1")
        #expect(config.apiKey.value == "sk_test_abc")
        #expect(config.webhookURL == "http://127.0.0.1:8082/webhook/stripe")
        #expect(config.webhookSecret?.value == "whsec_abc")
        #expect(config.autoConfirm == .failed)
        #expect(config.autoConfirmDelay == .milliseconds(250))

        let bare = try StripeSimulatorConfiguration.fromEnvironment(["HNS_STRIPE_SIM_API_KEY": "sk_test_abc", "HNS_STRIPE_SIM_PORT": "0"])
        #expect(bare.webhookURL == nil && bare.autoConfirm == nil && bare.http.port == 0)

        do {
            _ = try StripeSimulatorConfiguration.fromEnvironment([
                "HNS_STRIPE_SIM_WEBHOOK_URL": "not a url", "HNS_STRIPE_SIM_AUTO_CONFIRM": "sometimes", "HNS_STRIPE_SIM_PORT": "http",
            ])
            Issue.record("a broken environment was accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems.count == 5)
            #expect(error.description.contains("HNS_STRIPE_SIM_API_KEY"))
            #expect(error.description.contains("HNS_STRIPE_SIM_WEBHOOK_URL"))
            #expect(error.description.contains("HNS_STRIPE_SIM_WEBHOOK_SECRET"))
            #expect(error.description.contains("HNS_STRIPE_SIM_AUTO_CONFIRM"))
            #expect(error.description.contains("HNS_STRIPE_SIM_PORT"))
        }
        #expect(throws: ConfigurationError.self) {
            try StripeSimulatorConfiguration.fromEnvironment([
                "HNS_STRIPE_SIM_API_KEY": "sk_live_real", "HNS_STRIPE_SIM_WEBHOOK_URL": "http://x/",
                "HNS_STRIPE_SIM_WEBHOOK_SECRET": "not-whsec",
            ])
        }
    }
}
