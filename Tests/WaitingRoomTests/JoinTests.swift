import Crypto
import Foundation
import HNSCore
import HNSRedis
import HNSTestSupport
import Testing
import WaitingRoom

@Suite struct JoinTests {
    @Test func one_place_per_user_from_any_device_or_instance() async throws {
        try await QueueHarness.with(instances: 2) { h in
            try await h.openQueue("7012", perMinute: 1, windows: 1)
            _ = try await h.joinOK("7012", user: "u0")
            let first = try await h.joinOK("7012", user: "u1")
            _ = try await h.joinOK("7012", user: "u2")
            let again = try await h.joinOK("7012", user: "u1", url: h.urls[1])
            #expect(again.queueID == first.queueID)
            #expect(first.body["position"]?.intValue != nil)
            #expect(again.body["position"] == (try await h.position("7012", ticket: first.ticket))["position"])
            #expect(try await h.redis.send(["HLEN", RESPArg(h.key("7012", "users"))]).int == 3)
            // concurrent joins of one user from many devices still make one place
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await h.joinOK("7012", user: "u9").queueID } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
        }
    }

    @Test func after_the_sale_start_the_order_is_arrival_order() async throws {
        try await QueueHarness.with(configure: { $0.tick = .seconds(3600) }) { h in
            // no admission tick runs in this test (one-hour tick); mark the draw done by hand
            try await h.openQueue("7007", state: "open", perMinute: 1, windows: 1)
            try await h.redis.send(["HSET", RESPArg(h.key("7007", "config")), "drawn", "1"])
            var positions: [Int] = []
            for i in 0..<6 {
                let joined = try await h.joinOK("7007", user: "fifo-\(i)")
                positions.append(try #require(joined.body["position"]?.intValue))
            }
            #expect(positions == [1, 2, 3, 4, 5, 6])
            #expect(try await h.redis.zrange(h.key("7007", "waiting")).count == 6)
        }
    }

    @Test func pre_queue_joiners_are_shuffled_by_a_checkable_seed_then_later_joiners_follow() async throws {
        try await QueueHarness.with { h in
            // pre-queue: the sale starts in an hour
            try await h.openQueue("7005", state: "pre_queue", perMinute: 1, windows: 1, startsIn: 3600)
            var tickets: [String: String] = [:]
            for i in 0..<30 {
                let joined = try await h.joinOK("7005", user: "pre-\(i)")
                #expect(joined.body["position"] == .null)
                #expect(joined.body["in_draw"] == .bool(true))
                tickets[joined.queueID] = joined.ticket
            }
            let before = try await TestHTTP.get(h.url + "/v1/queues/7005/draw")
            #expect(before.json?["seed"] == .null)
            let seedHash = try #require(before.json?["seed_hash"]?.stringValue)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await h.overview("7005")["drawn"] == .bool(false))
            // the operator moves the sale start to now: the draw happens at the sale start
            let now = ISO8601DateFormatter().string(from: Date())
            #expect(try await h.putQueue("7005", #"{"sale_starts_at":"\#(now)"}"#).status == 200)
            #expect(try await eventually(timeout: .seconds(10)) { (try await h.overview("7005"))["drawn"] == .bool(true) })
            let late = try await h.joinOK("7005", user: "late")
            let draw = try await TestHTTP.get(h.url + "/v1/queues/7005/draw")
            let seed = try #require(draw.json?["seed"]?.stringValue)
            let entrants = (draw.json?["entrants"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(Set(entrants) == Set(tickets.keys))
            #expect(SHA256.hash(data: Array(seed.utf8)).map { String(format: "%02x", $0) }.joined() == seedHash)
            // anyone can recompute the order from the seed and the entrants
            let expected = entrants.sorted { Self.sha1(seed + ":" + $0) < Self.sha1(seed + ":" + $1) }
            let line = try await h.redis.zrange(h.key("7005", "waiting"))
            // the head may already have been admitted (one per minute), so compare the rest of the line
            let admitted = Set(try await h.redis.zrange(h.key("7005", "windows")))
            #expect(line.dropLast() == ArraySlice(expected.filter { !admitted.contains($0) }))
            #expect(line.last == late.queueID)
            #expect(expected != entrants.sorted() || entrants.count < 3)  // not merely sorted by id
            let revealed = try await h.events(type: "queue.draw_revealed", match: "7005")
            #expect(revealed.first?["seed"] == seed)
        }
    }

    static func sha1(_ text: String) -> String {
        Insecure.SHA1.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test func bad_identity_and_bad_or_expired_tickets_get_401() async throws {
        try await QueueHarness.with { h in
            try await h.openQueue("7002", perMinute: 1)
            let noToken = try await TestHTTP.send("POST", h.url + "/v1/queues/7002/join")
            #expect(noToken.status == 401)
            let expired = try await QueueHarness.userToken("5", expiresIn: .seconds(-600))
            let old = try await TestHTTP.send("POST", h.url + "/v1/queues/7002/join", headers: ["Authorization": "Bearer \(expired)"])
            #expect(old.status == 401)
            #expect(old.json?["detail"]?.stringValue?.contains("expired") == true)
            let forged = try await JWKSTestServer.mint(
                claims: JWKSTestServer.claims(issuer: QueueHarness.issuer, audience: QueueHarness.audience, subject: "5"),
                signature: .hs256(secret: "another-secret-0123456789-0123456789-x"), kid: .omitted)
            #expect(
                try await TestHTTP.send("POST", h.url + "/v1/queues/7002/join", headers: ["Authorization": "Bearer \(forged)"]).status == 401)

            let joined = try await h.joinOK("7002", user: "5")
            let url = h.url + "/v1/queues/7002/position"
            #expect(try await TestHTTP.get(url).status == 401)
            #expect(try await TestHTTP.get(url, headers: ["X-Queue-Ticket": "v1.garbage.garbage"]).status == 401)
            var tampered = Array(joined.ticket)
            tampered[5] = tampered[5] == "A" ? "B" : "A"
            #expect(try await TestHTTP.get(url, headers: ["X-Queue-Ticket": String(tampered)]).status == 401)
            #expect(try await TestHTTP.get(h.url + "/v1/queues/7999/position", headers: ["X-Queue-Ticket": joined.ticket]).status == 401)
            #expect(try await TestHTTP.get(url, headers: ["X-Queue-Ticket": joined.ticket]).status == 200)
            #expect(try await TestHTTP.get(url + "?ticket=" + joined.ticket).status == 200)
        }
        // a ticket issued with a 1 s lifetime stops working
        let clock = ManualClock()
        try await QueueHarness.with(clock: clock, configure: { $0.ticketTTL = .seconds(1) }) { h in
            try await h.openQueue("7024", perMinute: 1)
            let joined = try await h.joinOK("7024", user: "6")
            #expect(try await TestHTTP.get(h.url + "/v1/queues/7024/position", headers: ["X-Queue-Ticket": joined.ticket]).status == 200)
            clock.advance(by: .milliseconds(2100))
            let reply = try await TestHTTP.get(h.url + "/v1/queues/7024/position", headers: ["X-Queue-Ticket": joined.ticket])
            #expect(reply.status == 401)
            #expect(reply.json?["detail"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test func joins_are_rate_limited_per_user_and_per_ip() async throws {
        try await QueueHarness.with(configure: {
            $0.joinLimitPerUser = 3
            $0.joinLimitPerIP = 6
        }) { h in
            try await h.openQueue("7010", perMinute: 1)
            for _ in 0..<3 { #expect(try await h.join("7010", user: "rl-1").status < 300) }
            let limited = try await h.join("7010", user: "rl-1")
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") != nil)
            #expect(try await h.join("7010", user: "rl-2").status < 300)
            #expect(try await h.join("7010", user: "rl-3").status < 300)
            // the seventh attempt from 127.0.0.1 (the refused one counts too)
            #expect(try await h.join("7010", user: "rl-4").status == 429)
        }
    }

    @Test func joining_a_closed_or_unknown_queue_is_refused() async throws {
        try await QueueHarness.with { h in
            #expect(try await h.join("7011", user: "1").status == 404)
            try await h.openQueue("7004", state: "closed")
            let reply = try await h.join("7004", user: "1")
            #expect(reply.status == 409)
            #expect(reply.json?["state"] == .string("closed"))
        }
    }

    @Test func a_fan_who_leaves_or_is_not_seen_is_removed() async throws {
        try await QueueHarness.with(configure: { $0.idleTimeout = .seconds(1) }) { h in
            try await h.openQueue("7009", perMinute: 1, windows: 1)
            _ = try await h.joinOK("7009", user: "head")
            let a = try await h.joinOK("7009", user: "a")
            let b = try await h.joinOK("7009", user: "b")
            let reply = try await TestHTTP.send("DELETE", h.url + "/v1/queues/7009/join", headers: ["X-Queue-Ticket": a.ticket])
            #expect(reply.status == 204)
            #expect(try await h.position("7009", ticket: a.ticket)["type"] == .string("not_in_queue"))
            // b stops polling: removed after the idle timeout
            #expect(try await eventually(timeout: .seconds(6)) { try await h.redis.zrank(h.key("7009", "waiting"), b.queueID) == nil })
            #expect(try await h.position("7009", ticket: b.ticket)["type"] == .string("not_in_queue"))
            // b may join again, at the back
            let back = try await h.joinOK("7009", user: "b")
            #expect(back.queueID != b.queueID)
        }
    }
}
