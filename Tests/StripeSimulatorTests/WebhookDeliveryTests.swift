import Foundation
import HNSCore
import HNSTestSupport
import StripeSimulator
import Testing

/// Confirmations and the events they send, signed as Stripe signs them.
@Suite struct WebhookDeliveryTests {
    @Test func a_succeeded_confirmation_sends_a_signed_event_carrying_the_metadata() async throws {
        try await LocalHTTPServer.with { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(amount: 4200, orderID: "o-ok")
                let confirmed = try await sim.confirm(id)
                #expect(confirmed.status == 200)
                #expect(confirmed.json?["status"] == .string("succeeded"))
                #expect(confirmed.json?["amount_received"] == .number(4200))
                #expect(confirmed.json?["latest_charge"]?.stringValue?.hasPrefix("ch_") == true)

                #expect(try await eventually { receiver.requests.count == 1 })
                let delivery = receiver.requests[0]
                #expect(delivery.method == "POST")
                #expect(delivery.path == "/webhook/stripe")
                #expect(delivery.header("Content-Type") == "application/json; charset=utf-8")
                #expect(delivery.header("User-Agent") == "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
                #expect(signatureVerifies(delivery))
                #expect(!signatureVerifies(delivery, secret: "whsec_some_other_endpoint"))

                let event = try #require(delivery.json())
                #expect(event["id"]?.stringValue?.hasPrefix("evt_") == true)
                #expect(event["object"] == .string("event"))
                #expect(event["type"] == .string("payment_intent.succeeded"))
                #expect(event["api_version"] == .string("2024-06-20"))
                #expect(event["livemode"] == .bool(false))
                #expect(event["pending_webhooks"] == .number(1))
                #expect(event["request"] == .object(["id": .null, "idempotency_key": .null]))
                #expect(event["data"]?["object"]?["id"] == .string(id))
                #expect(event["data"]?["object"]?["status"] == .string("succeeded"))
                #expect(event["data"]?["object"]?["metadata"]?["order_id"] == .string("o-ok"))
                #expect(event["data"]?["object"]?["metadata"]?["site"] == .string("backend"))

                #expect(try await sim.get("/v1/payment_intents/\(id)").json?["status"] == .string("succeeded"))
                #expect(try await sim.get("/v1/events/\(event["id"]!.stringValue!)").body == delivery.body)
                let recorded = try await sim.events()
                #expect(recorded.count == 1)
                #expect(recorded.first?["delivery_state"] == .string("delivered"))
                #expect(recorded.first?["deliveries"]?.arrayCount == 1)
                #expect(try await sim.confirm(id).status == 400)  // already succeeded
            }
        }
    }

    @Test func a_failed_confirmation_sends_payment_failed_and_the_intent_stays_payable() async throws {
        try await LocalHTTPServer.with { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-declined")
                let failed = try await sim.postJSON("/_sim/payment_intents/\(id)/confirm", json: #"{"outcome":"failed"}"#)
                #expect(failed.status == 200)
                #expect(failed.json?["status"] == .string("requires_payment_method"))
                #expect(failed.json?["amount_received"] == .number(0))
                #expect(failed.json?["last_payment_error"]?["code"] == .string("card_declined"))
                #expect(failed.json?["last_payment_error"]?["message"] == .string("Your card was declined."))
                #expect(try await eventually { receiver.requests.count == 1 })
                let event = try #require(receiver.requests[0].json())
                #expect(event["type"] == .string("payment_intent.payment_failed"))
                #expect(event["data"]?["object"]?["last_payment_error"]?["code"] == .string("card_declined"))
                #expect(signatureVerifies(receiver.requests[0]))

                let retried = try await sim.confirm(id, "outcome=succeeded")
                #expect(retried.json?["status"] == .string("succeeded"))
                #expect(retried.json?["last_payment_error"] == .null)
                #expect(try await sim.confirm(id, "outcome=maybe").status == 400)
            }
        }
    }

    @Test func deliver_false_records_the_event_without_sending_it() async throws {
        try await LocalHTTPServer.with { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-silent")
                #expect(try await sim.confirm(id, "deliver=false").status == 200)
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.requests.isEmpty)
                // The backend polls instead, and sees the payment.
                #expect(try await sim.get("/v1/payment_intents/\(id)").json?["status"] == .string("succeeded"))
                let recorded = try await sim.events("?payment_intent=\(id)")
                #expect(recorded.count == 1)
                #expect(recorded.first?["type"] == .string("payment_intent.succeeded"))
                #expect(recorded.first?["delivery_state"] == .string("not_sent"))
                #expect(recorded.first?["deliveries"]?.arrayCount == 0)
            }
        }
    }

    @Test func resend_delivers_the_same_event_again_and_answers_with_the_receivers_status() async throws {
        try await LocalHTTPServer.with { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-dup")
                _ = try await sim.confirm(id)
                #expect(try await eventually { receiver.requests.count == 1 })
                let eventID = try #require(receiver.requests[0].json()?["id"]?.stringValue)

                let resent = try await sim.post("/_sim/events/\(eventID)/resend")
                #expect(resent.status == 200)
                #expect(resent.json?["status"] == .number(200))
                #expect(receiver.requests.count == 2)
                #expect(receiver.requests[1].json()?["id"] == .string(eventID))
                #expect(receiver.requests[1].body == receiver.requests[0].body)
                #expect(signatureVerifies(receiver.requests[1]))

                receiver.setHandler { _ in (400, #"{"title":"bad signature"}"#) }
                #expect(try await sim.post("/_sim/events/\(eventID)/resend").status == 400)
                #expect(try await sim.post("/_sim/events/evt_unknown/resend").status == 404)
                let attempts = try await sim.events().first?["deliveries"]
                #expect(attempts?.arrayCount == 3)
            }
        }
    }

    @Test func a_receiver_answering_500_is_retried_until_it_accepts() async throws {
        let calls = Locked(0)
        let handler: LocalHTTPServer.Handler = { _ in
            calls.withLock {
                $0 += 1
                return $0
            } <= 2 ? (500, #"{"error":"busy"}"#) : (200, "{}")
        }
        try await LocalHTTPServer.with(handler: handler) { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-retry")
                _ = try await sim.confirm(id)
                // 500, then after 0.2 s 500, then after 0.5 s 200.
                #expect(try await eventually(timeout: .seconds(5)) { receiver.requests.count == 3 })
                let ids = Set(receiver.requests.compactMap { $0.json()?["id"]?.stringValue })
                #expect(ids.count == 1)
                #expect(receiver.requests.allSatisfy { signatureVerifies($0) })
                #expect(try await eventually { try await sim.events().first?["delivery_state"] == .string("delivered") })
                let attempts = try #require(try await sim.events().first?["deliveries"])
                guard case .array(let list) = attempts else {
                    Issue.record("no deliveries")
                    return
                }
                #expect(list.map { $0["status"] } == [.number(500), .number(500), .number(200)])
                let times = list.compactMap { $0["at_ms"]?.intValue }
                #expect(times.count == 3 && times[1] - times[0] >= 180 && times[2] - times[1] >= 450)
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.requests.count == 3)
            }
        }
    }

    @Test func a_receiver_that_never_accepts_gets_six_attempts_then_the_event_is_given_up() async throws {
        try await LocalHTTPServer.with(handler: { _ in (500, "{}") }) { receiver in
            // Stripe's schedule, a tenth as long: the count of attempts is what is tested, not their pauses.
            let delays: [Duration] = [.milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500)]
            try await SimulatorHarness.with(receiver: receiver, retryDelays: delays) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-never")
                _ = try await sim.confirm(id)
                #expect(
                    try await eventually(timeout: .seconds(12), interval: .milliseconds(100)) {
                        try await sim.events().first?["delivery_state"] == .string("failed")
                    })
                #expect(receiver.requests.count == 6)
                #expect(try await sim.events().first?["deliveries"]?.arrayCount == 6)
                // The API answered long before, and the backend can still poll.
                #expect(try await sim.get("/v1/payment_intents/\(id)").json?["status"] == .string("succeeded"))
            }
        }
    }

    @Test func a_refused_connection_is_recorded_as_a_failed_attempt_and_retried() async throws {
        let closedPort = try await ChildProcess.freePort()
        try await SimulatorHarness.with(webhookURL: "http://127.0.0.1:\(closedPort)/webhook/stripe") { sim in
            let id = try await sim.createPaymentIntent(orderID: "o-refused")
            _ = try await sim.confirm(id)
            #expect(try await eventually(timeout: .seconds(3)) { try await sim.events().first?["deliveries"]?.arrayCount ?? 0 >= 2 })
            guard case .array(let attempts)? = try await sim.events().first?["deliveries"] else { return }
            #expect(attempts.allSatisfy { $0["status"] == .null && $0["error"]?.stringValue?.isEmpty == false })
            #expect(try await sim.events().first?["delivery_state"] == .string("pending"))
        }
    }

    @Test func events_of_one_payment_intent_arrive_in_order_even_while_one_is_retried() async throws {
        let calls = Locked(0)
        let handler: LocalHTTPServer.Handler = { _ in
            calls.withLock {
                $0 += 1
                return $0
            } == 1 ? (503, "{}") : (200, "{}")
        }
        try await LocalHTTPServer.with(handler: handler) { receiver in
            try await SimulatorHarness.with(receiver: receiver) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-order")
                _ = try await sim.confirm(id, "outcome=failed")
                _ = try await sim.confirm(id)
                _ = try await sim.post("/v1/refunds", form: "payment_intent=\(id)&amount=100")
                #expect(try await eventually(timeout: .seconds(5)) { receiver.requests.count == 5 })
                let types = receiver.requests.compactMap { $0.json()?["type"]?.stringValue }
                #expect(
                    types == [
                        "payment_intent.payment_failed", "payment_intent.payment_failed", "payment_intent.succeeded", "charge.refunded",
                        "refund.created",
                    ])
            }
        }
    }

    @Test func auto_confirm_pays_every_new_intent_by_itself() async throws {
        try await LocalHTTPServer.with { receiver in
            try await SimulatorHarness.with(receiver: receiver, autoConfirm: .succeeded) { sim in
                let id = try await sim.createPaymentIntent(orderID: "o-auto")
                #expect(try await eventually { receiver.requests.count == 1 })
                #expect(receiver.requests[0].json()?["type"] == .string("payment_intent.succeeded"))
                #expect(try await sim.get("/v1/payment_intents/\(id)").json?["status"] == .string("succeeded"))
            }
        }
    }
}

extension JSONValue {
    var arrayCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}
