import AsyncHTTPClient
import EventBus
import Foundation
import HNSBus
import HNSCore
import HNSTestSupport
import NIOCore
import StripeRouter
import Testing

/// Concurrent publishes share batch requests against a real bus; each caller still gets its own ack.
@Suite struct PublishBatcherTests {
    @Test func concurrent_publishes_share_batches_and_each_gets_its_own_ack() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let publisher = BusPublisher(baseURL: bus.baseURL, token: Secret(BusHarness.routerToken), client: HTTPClient.shared)
            let batcher = PublishBatcher(publisher: publisher, maxCount: 16)
            let acks = try await withThrowingTaskGroup(of: (Int, BusPublisher.Ack).self) { group in
                for i in 0..<100 {
                    // Every tenth is a retry of the one before it, racing it.
                    let id = i % 10 == 9 ? "evt_b_\(i - 1)" : "evt_b_\(i)"
                    group.addTask { (i, try await batcher.publish(subject: "stripe.backend", msgID: id, data: ByteBuffer(string: #"{"n":\#(i)}"#))) }
                }
                var out: [Int: BusPublisher.Ack] = [:]
                for try await (i, ack) in group { out[i] = ack }
                return out
            }
            #expect(acks.count == 100)
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages WHERE msg_id LIKE 'evt_b_%'") == 90)
            // A retry gets the seq of the message it repeats.
            for i in stride(from: 9, to: 100, by: 10) { #expect(acks[i]?.seq == acks[i - 1]?.seq) }
            #expect(Set(acks.values.map(\.seq)).count == 90)
            let batches = await batcher.batchesSent
            #expect(batches < 100 && batches >= 100 / 16, "\(batches) batches")
        }
    }

    @Test func one_bad_message_fails_alone() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let publisher = BusPublisher(baseURL: bus.baseURL, token: Secret(BusHarness.routerToken), client: HTTPClient.shared, attempts: 1)
            let batcher = PublishBatcher(publisher: publisher)
            // The router may publish only stripe.>: order.x is refused, the others go through.
            let results = await withTaskGroup(of: (String, Bool).self) { group in
                for subject in ["stripe.a", "order.x", "stripe.b", "stripe.c"] {
                    group.addTask {
                        let ok = (try? await batcher.publish(subject: subject, msgID: "m-\(subject)", data: ByteBuffer(string: "{}"))) != nil
                        return (subject, ok)
                    }
                }
                var out: [String: Bool] = [:]
                for await (s, ok) in group { out[s] = ok }
                return out
            }
            #expect(results == ["stripe.a": true, "order.x": false, "stripe.b": true, "stripe.c": true])
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 3)
        }
    }
}
