import Foundation
import HNSCore
import HNSTestSupport
import Testing

/// Stripe's PaymentIntent API as our backend calls it: form bodies in, Stripe-shaped JSON out.
@Suite struct PaymentIntentAPITests {
    @Test func a_created_payment_intent_is_retrieved_unchanged() async throws {
        try await SimulatorHarness.with { sim in
            let created = try await sim.post(
                "/v1/payment_intents", form: "amount=4200&currency=EUR&description=Dinamo+-+Hajduk&metadata[order_id]=o-42")
            #expect(created.status == 200)
            #expect(created.header("Content-Type") == "application/json")
            #expect(created.header("Request-Id")?.hasPrefix("req_") == true)
            let pi = try #require(created.json)
            let id = try #require(pi["id"]?.stringValue)
            #expect(id.hasPrefix("pi_") && id.count == 27 && id.dropFirst(3).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            #expect(pi["object"] == .string("payment_intent"))
            #expect(pi["amount"] == .number(4200))
            #expect(pi["amount_received"] == .number(0))
            #expect(pi["currency"] == .string("eur"))
            #expect(pi["status"] == .string("requires_payment_method"))
            #expect(pi["client_secret"]?.stringValue?.hasPrefix(id + "_secret_") == true)
            #expect(pi["description"] == .string("Dinamo - Hajduk"))
            #expect(pi["metadata"] == .object(["order_id": .string("o-42")]))
            #expect(pi["livemode"] == .bool(false))
            #expect(pi["last_payment_error"] == .null)
            #expect(pi["latest_charge"] == .null)
            let created_at = try #require(pi["created"]?.intValue)
            #expect(abs(created_at - Int(Date().timeIntervalSince1970)) < 5)

            let fetched = try await sim.get("/v1/payment_intents/\(id)")
            #expect(fetched.status == 200)
            #expect(fetched.body == created.body)

            let missing = try await sim.get("/v1/payment_intents/pi_nope")
            #expect(missing.status == 404)
            #expect(
                missing.json?["error"]
                    == .object([
                        "type": .string("invalid_request_error"), "code": .string("resource_missing"), "param": .string("intent"),
                        "message": .string("No such payment_intent: 'pi_nope'"),
                        "doc_url": .string("https://stripe.com/docs/error-codes/resource-missing"),
                    ]))
        }
    }

    @Test func form_bodies_with_percent_encoded_bracket_keys_are_parsed_and_unknown_params_ignored() async throws {
        try await SimulatorHarness.with { sim in
            // As our StripeClient encodes it: brackets percent-encoded, UTF-8 percent-encoded, + for space.
            let form =
                "amount=1500&currency=eur&description=Ulaznica+za+Maksimir%20%E2%80%93%20sjever"
                + "&metadata%5Bsite%5D=backend&metadata%5Border_id%5D=8f2c%2Fa&metadata[note]=a%26b%3Dc"
                + "&automatic_payment_methods%5Benabled%5D=false&shipping[name]=ignored&expand[]=latest_charge"
            let reply = try await sim.post("/v1/payment_intents", form: form)
            #expect(reply.status == 200)
            let pi = try #require(reply.json)
            #expect(pi["description"] == .string("Ulaznica za Maksimir – sjever"))
            #expect(pi["metadata"] == .object(["site": .string("backend"), "order_id": .string("8f2c/a"), "note": .string("a&b=c")]))
            #expect(pi["automatic_payment_methods"] == .object(["enabled": .bool(false)]))
            #expect(pi["shipping"] == nil)
        }
    }

    @Test func a_missing_or_malformed_parameter_is_a_400_naming_it() async throws {
        try await SimulatorHarness.with { sim in
            let noAmount = try await sim.post("/v1/payment_intents", form: "currency=eur")
            #expect(noAmount.status == 400)
            #expect(noAmount.json?["error"]?["type"] == .string("invalid_request_error"))
            #expect(noAmount.json?["error"]?["code"] == .string("parameter_missing"))
            #expect(noAmount.json?["error"]?["param"] == .string("amount"))
            #expect(noAmount.json?["error"]?["message"] == .string("Missing required param: amount."))

            let notInteger = try await sim.post("/v1/payment_intents", form: "amount=12.50&currency=eur")
            #expect(notInteger.status == 400)
            #expect(notInteger.json?["error"]?["code"] == .string("parameter_invalid_integer"))
            #expect(notInteger.json?["error"]?["param"] == .string("amount"))

            let zero = try await sim.post("/v1/payment_intents", form: "amount=0&currency=eur")
            #expect(zero.status == 400)
            #expect(zero.json?["error"]?["param"] == .string("amount"))

            let noCurrency = try await sim.post("/v1/payment_intents", form: "amount=100")
            #expect(noCurrency.json?["error"]?["param"] == .string("currency"))
            #expect(noCurrency.json?["error"]?["code"] == .string("parameter_missing"))
            let badCurrency = try await sim.post("/v1/payment_intents", form: "amount=100&currency=euro")
            #expect(badCurrency.status == 400)
            #expect(badCurrency.json?["error"]?["param"] == .string("currency"))
        }
    }

    @Test func a_wrong_or_missing_api_key_is_a_401_that_never_echoes_the_key() async throws {
        try await SimulatorHarness.with { sim in
            let wrongKey = "sk_test_someone_elses_key_9876"
            let wrong = try await sim.post("/v1/payment_intents", form: "amount=100&currency=eur", key: wrongKey)
            #expect(wrong.status == 401)
            #expect(wrong.json?["error"]?["type"] == .string("invalid_request_error"))
            let message = try #require(wrong.json?["error"]?["message"]?.stringValue)
            #expect(message.hasPrefix("Invalid API Key provided: sk_test_"))
            #expect(message.hasSuffix("9876"))
            #expect(!wrong.text.contains(wrongKey))
            #expect(!wrong.text.contains(SimulatorHarness.apiKey))

            let missing = try await sim.get("/v1/payment_intents/pi_x", key: nil)
            #expect(missing.status == 401)
            #expect(missing.json?["error"]?["message"]?.stringValue?.hasPrefix("You did not provide an API key.") == true)
            #expect(try await sim.get("/_sim/events", key: "sk_test_nope").status == 401)

            // Stripe also takes the key as the Basic user name.
            let basic = Data((SimulatorHarness.apiKey + ":").utf8).base64EncodedString()
            let viaBasic = try await TestHTTP.get(sim.baseURL + "/v1/refunds", headers: ["Authorization": "Basic " + basic])
            #expect(viaBasic.status == 200)

            // Health endpoints stay open; unknown Stripe URLs answer as Stripe does.
            #expect(try await sim.get("/healthz", key: nil).status == 200)
            #expect(try await sim.get("/readyz", key: nil).status == 200)
            #expect(try await sim.get("/metrics", key: nil).text.contains("hns_"))
            let unknown = try await sim.get("/v1/customers/cus_1")
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"]?["message"]?.stringValue?.hasPrefix("Unrecognized request URL (GET: /v1/customers/cus_1)") == true)
        }
    }

    @Test func an_idempotency_key_replays_the_first_answer_and_refuses_other_parameters() async throws {
        try await SimulatorHarness.with { sim in
            let form = "amount=4200&currency=eur&metadata[order_id]=o-7"
            let first = try await sim.post("/v1/payment_intents", form: form, idempotencyKey: "order-o-7-create")
            #expect(first.status == 200)
            #expect(first.header("Idempotent-Replayed") == nil)
            let again = try await sim.post("/v1/payment_intents", form: form, idempotencyKey: "order-o-7-create")
            #expect(again.status == 200)
            #expect(again.body == first.body)
            #expect(again.header("Idempotent-Replayed") == "true")
            #expect(again.header("Idempotency-Key") == "order-o-7-create")

            let other = try await sim.post(
                "/v1/payment_intents", form: "amount=9900&currency=eur&metadata[order_id]=o-7",
                idempotencyKey: "order-o-7-create")
            #expect(other.status == 400)
            #expect(other.json?["error"]?["type"] == .string("idempotency_error"))
            let elsewhere = try await sim.post("/v1/refunds", form: form, idempotencyKey: "order-o-7-create")
            #expect(elsewhere.status == 400)
            #expect(elsewhere.json?["error"]?["type"] == .string("idempotency_error"))

            // Without a key, or with another one, each call creates a new PaymentIntent.
            let fresh = try await sim.post("/v1/payment_intents", form: form, idempotencyKey: "order-o-7-create-2")
            #expect(fresh.json?["id"] != first.json?["id"])

            // An error that came from running the request is replayed as well.
            let cancelMissing = try await sim.post("/v1/payment_intents/pi_gone/cancel", idempotencyKey: "cancel-gone")
            #expect(cancelMissing.status == 404)
            let cancelAgain = try await sim.post("/v1/payment_intents/pi_gone/cancel", idempotencyKey: "cancel-gone")
            #expect(cancelAgain.status == 404)
            #expect(cancelAgain.body == cancelMissing.body)
            #expect(cancelAgain.header("Idempotent-Replayed") == "true")
        }
    }

    @Test func cancel_ends_an_open_intent_with_an_event_but_not_a_succeeded_one() async throws {
        try await LocalHTTPServer.with { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-cancel")
                let canceled = try await sim.post("/v1/payment_intents/\(id)/cancel", form: "cancellation_reason=abandoned")
                #expect(canceled.status == 200)
                #expect(canceled.json?["status"] == .string("canceled"))
                #expect(canceled.json?["cancellation_reason"] == .string("abandoned"))
                #expect(canceled.json?["canceled_at"]?.intValue != nil)
                #expect(try await eventually { receiver.requests.count == 1 })
                let event = try #require(receiver.requests.first?.json())
                #expect(event["type"] == .string("payment_intent.canceled"))
                #expect(event["data"]?["object"]?["status"] == .string("canceled"))
                #expect(event["data"]?["object"]?["metadata"]?["order_id"] == .string("o-cancel"))

                let confirmCanceled = try await sim.confirm(id)
                #expect(confirmCanceled.status == 400)
                #expect(confirmCanceled.json?["error"]?["code"] == .string("payment_intent_unexpected_state"))
                let twice = try await sim.post("/v1/payment_intents/\(id)/cancel")
                #expect(twice.status == 400)

                let paid = try await sim.createPaymentIntent(orderID: "o-paid")
                #expect(try await sim.confirm(paid).status == 200)
                let cancelPaid = try await sim.post("/v1/payment_intents/\(paid)/cancel")
                #expect(cancelPaid.status == 400)
                #expect(cancelPaid.json?["error"]?["code"] == .string("payment_intent_unexpected_state"))
                #expect(try await sim.get("/v1/payment_intents/\(paid)").json?["status"] == .string("succeeded"))
            }
        }
    }
}
