import AsyncHTTPClient
import Foundation
import HNSBus
import HNSCore
import HNSTestSupport
import NIOCore
import Testing

@Suite struct BusPublisherTests {
    func publisher(_ url: String, token: String = BusHarness.publisherToken, attempts: Int = 3) -> BusPublisher {
        BusPublisher(
            baseURL: url, token: Secret(token), client: HTTPClient.shared, timeout: .seconds(2), attempts: attempts,
            backoff: Backoff(base: .milliseconds(10), maximum: .milliseconds(50)))
    }

    @Test func publishes_single_and_batch_to_a_real_bus() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let p = self.publisher(bus.baseURL)
            let ack = try await p.publish(subject: "order.created", msgID: "o-1", data: ByteBuffer(string: #"{"order":"o-1"}"#))
            #expect(ack.stream == "test_events" && ack.seq == 1 && !ack.duplicate)
            let again = try await p.publish(subject: "order.created", msgID: "o-1", data: ByteBuffer(string: #"{"order":"o-1"}"#))
            #expect(again.duplicate && again.seq == 1)
            let acks = try await p.publishBatch([
                .init(subject: "order.a", msgID: nil, data: ByteBuffer(string: "1")),
                .init(subject: "ticket.b", msgID: "t-1", data: ByteBuffer(string: #"{"t":1}"#)),
            ])
            #expect(acks.map(\.seq) == [2, 3])
        }
    }

    @Test func a_4xx_is_not_retried_and_says_why() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            do {
                _ = try await self.publisher(bus.baseURL).publish(subject: "stripe.drupal", msgID: nil, data: ByteBuffer(string: "{}"))
                Issue.record("expected a rejection")
            } catch let error as BusPublisher.Failure {
                guard case .rejected(let status, let detail) = error else {
                    Issue.record("got \(error)")
                    return
                }
                #expect(status == 403)
                #expect(detail.contains("may not publish"))
            }
        }
    }

    @Test func transient_failures_are_retried_with_the_same_msg_id() async throws {
        let calls = Locked(0)
        try await LocalHTTPServer.with(handler: { _ in
            calls.withLock {
                $0 += 1
                return $0
            } < 3 ? (503, "{}") : (202, #"{"stream":"s","seq":9,"duplicate":false}"#)
        }) { fake async throws -> Void in
            let ack = try await self.publisher(fake.baseURL).publish(subject: "order.x", msgID: "same-id", data: ByteBuffer(string: "{}"))
            #expect(ack.seq == 9)
            #expect(fake.requests.count == 3)
            #expect(fake.requests.allSatisfy { $0.header("Msg-Id") == "same-id" && $0.path == "/v1/publish/order.x" })
        }
    }

    @Test func an_unreachable_bus_fails_after_the_bounded_attempts() async throws {
        let port = try await ChildProcess.freePort()
        let started = ContinuousClock.now
        do {
            _ = try await self.publisher("http://127.0.0.1:\(port)", attempts: 2).publish(
                subject: "order.x", msgID: "m", data: ByteBuffer(string: "{}"))
            Issue.record("expected unavailable")
        } catch let error as BusPublisher.Failure {
            guard case .unavailable = error else {
                Issue.record("got \(error)")
                return
            }
        }
        // Bounded by attempts x timeout (2 x 2 s; the HTTP client keeps trying to connect until each
        // request's deadline) plus the backoff, with slack for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(8))
    }
}
