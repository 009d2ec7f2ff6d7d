import EventBus
import Foundation
import HNSCore
import HNSTestSupport
import Testing

@Suite struct RetentionTests {
    @Test func purges_expired_messages_and_moves_cursors_that_fell_behind() async throws {
        try await LocalHTTPServer.with(handler: { _ in (503, "{}") }) { subscriber in
            let subs = subscription("stuck", filter: "order.>", url: subscriber.baseURL + "/x")
            try await BusHarness.with(
                subscriptions: subs,
                tune: { config in
                    config.stream.maxAge = .seconds(2)
                    config.stream.duplicateWindow = .seconds(1)
                    config.expiryWarning = .milliseconds(1500)
                }
            ) { bus, app async throws -> Void in
                for i in 1...5 { try await bus.publish("order.n", #"{"i":\#(i)}"#, msgID: "old-\(i)") }
                // 0.7 s old, the oldest pending message is within the warning margin (1.5 s) of expiry (2 s).
                try await bus.age(by: .milliseconds(700))
                #expect(try await app.retention.runOnce() == 0)
                let ready = try await TestHTTP.get(bus.baseURL + "/readyz")
                #expect(ready.json?["checks"]?["retention"]?["detail"]?["expiring_soon"]?["stuck"] != nil)
                #expect(
                    try await TestHTTP.get(bus.baseURL + "/metrics").text.contains("hns_eventbus_subscription_expiry_risk{subscription=\"stuck\"} 1"))

                // 2.3 s old, past max_age and the dedupe window; a new message is not.
                try await bus.age(by: .milliseconds(1600))
                try await bus.publish("order.n", #"{"i":6}"#)
                #expect(try await app.retention.runOnce() == 5)
                #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 1)
                #expect(try await bus.count("SELECT missed::int FROM eventbus.subscriptions WHERE name = 'stuck'") == 5)
                #expect(try await bus.count("SELECT acked_seq::int FROM eventbus.subscriptions WHERE name = 'stuck'") == 5)
                // The dedupe window passed too: the same Msg-Id is a new message now.
                let again = try await bus.publish("order.n", "{}", msgID: "old-1")
                #expect(again.json?["duplicate"] == .bool(false))
                let info = try await bus.admin("GET", "/v1/stream")
                #expect(info.json?["first_seq"] == .number(6))
                #expect(info.json?["last_seq"] == .number(7))
            }
        }
    }
}
