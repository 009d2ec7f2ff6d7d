import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import HNSTestSupport
import Testing
import WaitingRoom

@Suite struct AdmissionTests {
    @Test func admission_keeps_to_the_rate_and_the_free_window_limit() async throws {
        let clock = ManualClock()
        try await QueueHarness.with(instances: 2, clock: clock) { h in
            // 120/min = 2 per second, at most 5 windows open
            try await h.openQueue("7015", perMinute: 120, windows: 5)
            var tickets: [String] = []
            for i in 0..<12 { tickets.append(try await h.joinOK("7015", user: "r\(i)").ticket) }
            // The bucket starts empty: while no time passes, nobody is admitted.
            try await h.nextTick("7015")
            #expect(try await h.events(type: "queue.turn_granted").count == 0)
            // Two per second; a pause of ten seconds still lets in a burst of two only.
            clock.advance(by: .seconds(1))
            try await h.nextTick("7015")
            #expect(try await h.events(type: "queue.turn_granted").count == 2)
            clock.advance(by: .seconds(10))
            try await h.nextTick("7015")
            #expect(try await h.events(type: "queue.turn_granted").count == 4)
            // The fifth window is the last one the limit allows, however much time passes.
            clock.advance(by: .seconds(1))
            try await h.nextTick("7015")
            #expect(try await h.events(type: "queue.turn_granted").count == 5)
            clock.advance(by: .seconds(5))
            try await h.nextTick("7015")
            #expect(try await h.events(type: "queue.turn_granted").count == 5, "more windows than the limit")
            #expect(try await h.redis.zcard(h.key("7015", "windows")) == 5)
            // the first five in line were admitted, in order
            let granted = try await h.events(type: "queue.turn_granted").map { $0["user_id"] ?? "" }
            #expect(granted == (0..<5).map { "r\($0)" })
            #expect((try await h.position("7015", ticket: tickets[0]))["type"] == .string("your_turn"))
            #expect((try await h.position("7015", ticket: tickets[5]))["position"]?.intValue == 1)
            let overview = try await h.overview("7015")
            #expect(overview["active_windows"]?.intValue == 5)
            #expect(overview["admitted"]?.intValue == 5)
            #expect(overview["waiting"]?.intValue == 7)
        }
    }

    @Test func the_purchase_token_verifies_with_a_separate_verifier_as_the_monolith_does() async throws {
        try await QueueHarness.with { h in
            try await h.openQueue("7023", perMinute: 600, windows: 10)
            let joined = try await h.joinOK("7023", user: "buyer-1")
            #expect(try await eventually { (try await h.position("7023", ticket: joined.ticket))["type"] == .string("your_turn") })
            let turn = try await h.position("7023", ticket: joined.ticket)
            let token = try #require(turn["purchase_token"]?.stringValue)
            let verifier = await PurchaseTokenVerifier(key: try #require(HS256Key(Secret(QueueHarness.signingKey))))
            let verified = try await verifier.verify(token, user: "buyer-1", match: "7023")
            let remaining = verified.windowEndsAt.timeIntervalSinceNow
            #expect(remaining > 19 * 60 && remaining <= 20 * 60 + 1)
            let event = try #require(try await h.events(type: "queue.turn_granted").first)
            #expect(event["jti"] == verified.tokenID)
            #expect(event["window_ends_at"] == String(Int64(verified.windowEndsAt.timeIntervalSince1970 * 1000)))
            await #expect(throws: PurchaseTokenError.wrongUser) { try await verifier.verify(token, user: "buyer-2", match: "7023") }
            await #expect(throws: PurchaseTokenError.wrongMatch) { try await verifier.verify(token, user: "buyer-1", match: "7013") }
            let other = await PurchaseTokenVerifier(key: try #require(HS256Key(Secret("some-other-signing-key-0123456789-abc"))))
            await #expect(throws: PurchaseTokenError.badSignature) { try await other.verify(token, user: "buyer-1", match: "7023") }
            // a rejoin during the window returns the same turn
            let again = try await h.joinOK("7023", user: "buyer-1")
            #expect(again.body["purchase_token"]?.stringValue == token)
        }
    }

    @Test func a_window_that_ends_unused_emits_queue_expired_and_frees_its_slot() async throws {
        let clock = ManualClock()
        try await QueueHarness.with(clock: clock) { h in
            // 3-second windows, one at a time
            try await h.openQueue("7006", perMinute: 600, windows: 1, windowMinutes: 0.05)
            let first = try await h.joinOK("7006", user: "e1")
            let second = try await h.joinOK("7006", user: "e2")
            // The bucket fills from the first tick that sees the queue.
            try await h.nextTick("7006")
            clock.advance(by: .milliseconds(500))
            try await h.nextTick("7006")
            #expect(try await h.events(type: "queue.turn_granted").count == 1)
            // Within the window, the one slot stays taken.
            clock.advance(by: .seconds(2))
            try await h.nextTick("7006")
            #expect(try await h.events(type: "queue.turn_granted").count == 1)
            #expect(try await h.events(type: "queue.expired").isEmpty)
            clock.advance(by: .seconds(1))
            try await h.nextTick("7006")
            #expect(try await h.events(type: "queue.expired").count == 1)
            let expired = try await h.events(type: "queue.expired")
            #expect(expired.first?["user_id"] == "e1")
            #expect(expired.first?["match_id"] == "7006")
            #expect(try await eventually { (try await h.position("7006", ticket: second.ticket))["type"] == .string("your_turn") })
            #expect(try await h.position("7006", ticket: first.ticket)["type"] == .string("not_in_queue"))
            #expect(try await h.events(type: "queue.expired").count == 1)
        }
    }

    @Test func the_monolith_ends_a_window_early_by_api_or_by_redis_key() async throws {
        try await QueueHarness.with { h in
            try await h.openQueue("7017", perMinute: 6000, windows: 1)
            for user in ["a", "b", "c"] { _ = try await h.joinOK("7017", user: user) }
            #expect(try await eventually { try await h.events(type: "queue.turn_granted").count == 1 })
            // by API: the slot is freed at once and b is admitted
            let unauthorized = try await TestHTTP.send("POST", h.url + "/v1/queues/7017/windows/a/release")
            #expect(unauthorized.status == 401)
            let released = try await TestHTTP.send(
                "POST", h.url + "/v1/queues/7017/windows/a/release", headers: ["Authorization": "Bearer " + QueueHarness.serviceToken])
            #expect(released.json?["released"] == .bool(true))
            #expect(try await eventually { try await h.events(type: "queue.turn_granted").map { $0["user_id"] ?? "" } == ["a", "b"] })
            // a second release is a no-op
            let twice = try await TestHTTP.send(
                "POST", h.url + "/v1/queues/7017/windows/a/release", headers: ["Authorization": "Bearer " + QueueHarness.serviceToken])
            #expect(twice.json?["released"] == .bool(false))
            // by Redis key
            try await h.redis.send(["SADD", RESPArg(h.key("7017", "release")), "b"])
            #expect(try await eventually { try await h.events(type: "queue.turn_granted").map { $0["user_id"] ?? "" } == ["a", "b", "c"] })
            #expect(try await h.events(type: "queue.released").map { $0["user_id"] ?? "" } == ["a", "b"])
            #expect(try await h.events(type: "queue.expired").isEmpty)
        }
    }

    @Test func admission_follows_the_seats_left_and_a_sell_out_tells_everyone() async throws {
        try await QueueHarness.with { h in
            try await h.openQueue("7019", perMinute: 6000, windows: 100)
            // 4 tickets per window: 6 seats left are enough for two windows
            try await h.redis.send(["SET", RESPArg(h.prefix + "match:7019:seats_left"), "6"])
            var tickets: [String] = []
            for i in 0..<5 { tickets.append(try await h.joinOK("7019", user: "s\(i)").ticket) }
            #expect(try await eventually { try await h.events(type: "queue.turn_granted").count == 2 })
            try await h.nextTick("7019")
            #expect(try await h.events(type: "queue.turn_granted").count == 2)
            // holds released: more seats, admission resumes
            try await h.redis.send(["SET", RESPArg(h.prefix + "match:7019:seats_left"), "12"])
            #expect(try await eventually { try await h.events(type: "queue.turn_granted").count == 3 })
            let waiting = SocketProbe.connect(h.url + "/v1/queues/7019/ws", ticket: tickets[4])
            #expect(try await eventually { waiting.last?["type"] == .string("position") })
            // sold out: the waiting fan hears it at once, and no one new can join
            try await h.redis.send(["SET", RESPArg(h.prefix + "match:7019:seats_left"), "0"])
            #expect(try await eventually(timeout: .seconds(3)) { waiting.last?["state"] == .string("sold_out") })
            #expect(try await h.position("7019", ticket: tickets[3])["state"] == .string("sold_out"))
            #expect(try await h.join("7019", user: "late").status == 409)
            #expect(try await h.events(type: "queue.sold_out").count == 1)
            await waiting.close()
        }
    }
}
