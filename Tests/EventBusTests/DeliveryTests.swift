import EventBus
import Foundation
import HNSBus
import HNSCore
import HNSTestSupport
import Testing

@Suite struct DeliveryTests {
    @Test func delivers_the_envelope_in_order_within_milliseconds_of_a_publish() async throws {
        try await LocalHTTPServer.with { subscriber in
            let subs = subscription("orders", filter: "order.>", url: subscriber.baseURL + "/hook")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                try await Task.sleep(for: .milliseconds(300))  // the worker is idle, waiting on NOTIFY
                let sent = ContinuousClock.now
                try await bus.publish("order.completed", #"{"order_id":"o-9","total_cents":4200}"#, msgID: "m-1")
                #expect(try await eventually(timeout: .seconds(5), interval: .milliseconds(2)) { subscriber.requests.count == 1 })
                // The safety poll is 30 s: only NOTIFY can explain a delivery this fast.
                #expect(ContinuousClock.now - sent < .seconds(5))
                let r = subscriber.requests[0]
                #expect(r.path == "/hook")
                #expect(r.header("Authorization") == "Bearer \(BusHarness.subscriberToken)")
                #expect(r.header("Content-Type") == "application/json")
                #expect(r.seq == 1 && r.attempt == 1)
                let envelope = r.json()
                #expect(envelope?["subject"] == .string("order.completed"))
                #expect(envelope?["message_id"] == .string("m-1"))
                #expect(envelope?["data"] == .object(["order_id": .string("o-9"), "total_cents": .number(4200)]))
                #expect(envelope?["timestamp"]?.stringValue?.hasSuffix("Z") == true)

                for i in 2...20 { try await bus.publish(i % 2 == 0 ? "order.x" : "ticket.y", #"{"i":\#(i)}"#) }
                #expect(try await eventually { subscriber.requests.count == 11 })
                // Only the filter's subjects, in stream order.
                #expect(subscriber.requests.map(\.seq) == [1] + Array(stride(from: 2, through: 20, by: 2)))
            }
        }
    }

    @Test func retries_keep_order_and_follow_the_backoff() async throws {
        let failures = Locked(0)
        try await LocalHTTPServer.with(handler: { r in
            // Message 2 fails three times before it is accepted.
            if r.seq == 2,
                failures.withLock({
                    $0 += 1
                    return $0
                }) <= 3
            {
                return (500, "{}")
            }
            return (200, "{}")
        }) { subscriber in
            let subs = subscription("orders", filter: "order.>", url: subscriber.baseURL + "/hook")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                for i in 1...4 { try await bus.publish("order.n", #"{"i":\#(i)}"#) }
                #expect(try await eventually(timeout: .seconds(10)) { subscriber.requests.filter { $0.seq == 4 }.count == 1 })
                let log = subscriber.requests
                #expect(log.map(\.seq) == [1, 2, 2, 2, 2, 3, 4])
                #expect(log.filter { $0.seq == 2 }.map(\.attempt) == [1, 2, 3, 4])
            }
        }
    }

    @Test func backoff_steps_are_waited_and_the_last_repeats() async throws {
        let times = Locked<[ContinuousClock.Instant]>([])
        try await LocalHTTPServer.with(handler: { _ in
            times.withLock { $0.append(.now) }
            return times.value.count < 5 ? (503, "{}") : (200, "{}")
        }) { subscriber in
            let subs = """
                  - name: slow
                    filter: "order.>"
                    url: \(subscriber.baseURL)/hook
                    token_env: BUS_SUB
                    backoff: [100ms, 300ms]
                """
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                try await bus.publish("order.n", "{}")
                #expect(try await eventually(timeout: .seconds(10)) { times.value.count == 5 })
                let t = times.value
                let gaps = zip(t.dropFirst(), t).map { $0 - $1 }
                // Lower bounds are the contract; upper bounds only catch a runaway (the CI box is loaded).
                #expect(gaps[0] >= .milliseconds(100) && gaps[0] < .milliseconds(1000))
                for gap in gaps.dropFirst() { #expect(gap >= .milliseconds(300) && gap < .milliseconds(2000)) }
            }
        }
    }

    @Test func max_deliver_dead_letters_then_redrive_delivers() async throws {
        let accept = Locked(false)
        try await LocalHTTPServer.with(handler: { r in
            (r.seq == 1 && !accept.value) ? (500, "{}") : (200, "{}")
        }) { subscriber in
            let subs = subscription("mailer", filter: "mail.>", url: subscriber.baseURL + "/m", extra: "max_deliver: 3")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                try await bus.publish("mail.a", #"{"to":"a@example.com"}"#)
                try await bus.publish("mail.b", #"{"to":"b@example.com"}"#)
                // After 3 attempts message 1 is parked and delivery moves on to 2.
                #expect(try await eventually { subscriber.requests.contains { $0.seq == 2 } })
                #expect(subscriber.requests.filter { $0.seq == 1 }.count == 3)
                let dead = try await bus.admin("GET", "/v1/subscriptions/mailer/dead-letters")
                #expect(dead.status == 200)
                guard case .array(let letters)? = dead.json?["dead_letters"] else {
                    Issue.record("no list")
                    return
                }
                #expect(letters.count == 1)
                #expect(letters.first?["seq"] == .number(1))
                #expect(letters.first?["attempts"] == .number(3))

                accept.withLock { $0 = true }
                let redrive = try await bus.admin("POST", "/v1/subscriptions/mailer/dead-letters/redrive")
                #expect(redrive.json?["requeued"] == .number(1))
                #expect(try await eventually { subscriber.requests.filter { $0.seq == 1 }.count == 4 })
                #expect(try await eventually { try await bus.count("SELECT count(*)::int FROM eventbus.dead_letters") == 0 })
            }
        }
    }

    @Test func a_subscriber_down_for_a_while_gets_everything_in_order() async throws {
        let up = Locked(false)
        try await LocalHTTPServer.with(handler: { _ in up.value ? (200, "{}") : (503, "{}") }) { subscriber in
            let subs = subscription("orders", filter: "order.>", url: subscriber.baseURL + "/hook")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                for i in 1...60 { try await bus.publish("order.n", #"{"i":\#(i)}"#) }
                try await Task.sleep(for: .milliseconds(600))
                #expect(subscriber.requests.allSatisfy { $0.seq == 1 })  // stuck on the first, in order
                up.withLock { $0 = true }
                #expect(try await eventually(timeout: .seconds(15)) { subscriber.requests.last?.seq == 60 })
                let accepted = subscriber.requests.drop { $0.seq == 1 }.map(\.seq)
                #expect(accepted == Array(2...60))
                let subsState = try await bus.admin("GET", "/v1/subscriptions")
                #expect(
                    try await eventually {
                        let s = try await bus.admin("GET", "/v1/subscriptions")
                        guard case .array(let list)? = s.json?["subscriptions"] else { return false }
                        return list.first?["acked_seq"] == .number(60) && list.first?["pending"] == .number(0)
                    })
                #expect(subsState.status == 200)
            }
        }
    }

    @Test func max_in_flight_delivers_concurrently_and_acks_every_message() async throws {
        let inFlight = Locked(0)
        let peak = Locked(0)
        try await LocalHTTPServer.with(handler: { _ in
            let now = inFlight.withLock {
                $0 += 1
                return $0
            }
            peak.withLock { $0 = max($0, now) }
            try? await Task.sleep(for: .milliseconds(30))
            inFlight.withLock { $0 -= 1 }
            return (200, "{}")
        }) { subscriber in
            let subs = subscription("fast", filter: "ticket.>", url: subscriber.baseURL + "/t", extra: "max_in_flight: 8")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                let headers = ["Authorization": "Bearer \(BusHarness.publisherToken)"]
                let batch = (1...64).map { #"{"subject":"ticket.g","data":{"i":\#($0)}}"# }.joined(separator: ",")
                #expect(try await TestHTTP.post(bus.baseURL + "/v1/publish", headers: headers, json: "[\(batch)]").status == 202)
                #expect(try await eventually { Set(subscriber.requests.map(\.seq)) == Set(1...64) })
                #expect(peak.value > 1 && peak.value <= 8)
                #expect(try await eventually { try await bus.count("SELECT acked_seq::int FROM eventbus.subscriptions") == 64 })
            }
        }
    }

    @Test func replay_by_seq_and_by_time() async throws {
        try await LocalHTTPServer.with { subscriber in
            let subs = subscription("orders", filter: "order.>", url: subscriber.baseURL + "/hook")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                for i in 1...5 { try await bus.publish("order.n", #"{"i":\#(i)}"#) }
                try await bus.age(by: .seconds(10))
                let midpoint = Date().addingTimeInterval(-5)
                for i in 6...8 { try await bus.publish("order.n", #"{"i":\#(i)}"#) }
                #expect(try await eventually { subscriber.requests.count == 8 })

                let bySeq = try await bus.admin("POST", "/v1/subscriptions/orders/reset", json: #"{"seq":3}"#)
                #expect(bySeq.status == 200)
                #expect(bySeq.json?["replay_from_seq"] == .number(3))
                #expect(try await eventually { subscriber.requests.count == 14 })
                #expect(subscriber.requests.suffix(6).map(\.seq) == [3, 4, 5, 6, 7, 8])

                let time = Envelope.rfc3339(midpoint)
                let byTime = try await bus.admin("POST", "/v1/subscriptions/orders/reset", json: #"{"time":"\#(time)"}"#)
                #expect(byTime.json?["replay_from_seq"] == .number(6))
                #expect(try await eventually { subscriber.requests.count == 17 })
                #expect(subscriber.requests.suffix(3).map(\.seq) == [6, 7, 8])

                #expect(try await bus.admin("POST", "/v1/subscriptions/nope/reset", json: #"{"seq":1}"#).status == 404)
                #expect(try await bus.admin("POST", "/v1/subscriptions/orders/reset", json: #"{}"#).status == 422)
                #expect(try await TestHTTP.get(bus.baseURL + "/v1/subscriptions").status == 401)
            }
        }
    }

    @Test func redeliver_one_message() async throws {
        try await LocalHTTPServer.with { subscriber in
            let subs = subscription("orders", filter: "order.>", url: subscriber.baseURL + "/hook")
            try await BusHarness.with(subscriptions: subs) { bus, _ async throws -> Void in
                for i in 1...3 { try await bus.publish("order.n", #"{"i":\#(i)}"#) }
                #expect(try await eventually { subscriber.requests.count == 3 })
                #expect(try await bus.admin("POST", "/v1/subscriptions/orders/redeliver/2").status == 202)
                #expect(try await eventually { subscriber.requests.count == 4 })
                #expect(subscriber.requests.last?.seq == 2)
                #expect(try await bus.admin("POST", "/v1/subscriptions/orders/redeliver/99").status == 404)
            }
        }
    }
}
