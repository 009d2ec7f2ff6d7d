import EventBus
import Foundation
import HNSCore
import HNSTestSupport
import Testing

@Suite struct ConfigChangeTests {
    @Test func a_restart_adds_new_subscriptions_at_their_policy_and_parks_removed_ones() async throws {
        let db = try await TestDatabase.create(migrating: ["eventbus"])
        defer { Task { await db.drop() } }
        try await LocalHTTPServer.with { subscriber async throws -> Void in
            try await BusHarness.with(subscriptions: subscription("a", filter: "order.>", url: subscriber.baseURL + "/a"), db: db) {
                bus, _ async throws -> Void in
                for i in 1...3 { try await bus.publish("order.n", #"{"i":\#(i)}"#) }
                #expect(try await eventually { subscriber.requests.filter { $0.path == "/a" }.count == 3 })
            }
            let next =
                subscription("b", filter: "order.>", url: subscriber.baseURL + "/b", extra: "deliver: new")
                + "\n" + subscription("c", filter: "order.>", url: subscriber.baseURL + "/c", extra: "deliver: {start_seq: 2}")
            try await BusHarness.with(subscriptions: next, db: db) { bus, _ async throws -> Void in
                // `deliver: new` starts at the end of the stream when the subscription is created: wait for that first.
                #expect(try await eventually { try await bus.count("SELECT count(*)::int FROM eventbus.subscriptions WHERE name = 'b'") == 1 })
                try await bus.publish("order.n", #"{"i":4}"#)
                #expect(try await eventually { subscriber.requests.contains { $0.path == "/b" && $0.seq == 4 } })
                #expect(try await eventually { subscriber.requests.filter { $0.path == "/c" }.map(\.seq) == [2, 3, 4] })
                #expect(subscriber.requests.filter { $0.path == "/b" }.map(\.seq) == [4])
                #expect(subscriber.requests.filter { $0.path == "/a" }.count == 3)
                let list = try await bus.admin("GET", "/v1/subscriptions").json?["subscriptions"]
                guard case .array(let subs)? = list else {
                    Issue.record("no list")
                    return
                }
                let a = subs.first { $0["name"] == .string("a") }
                #expect(a?["state"] == .string("removed"))
                #expect(a?["acked_seq"] == .number(3))
            }
        }
    }
}
