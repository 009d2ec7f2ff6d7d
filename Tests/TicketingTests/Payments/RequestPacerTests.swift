import Foundation
import HNSCore
import HNSRedis
import HNSTestSupport
import Logging
import Testing

@testable import Ticketing

/// The pace of requests to an outside API, shared in Redis by every instance.
@Suite struct RequestPacerTests {
    static func pacer(_ redis: RedisClient, rate: RateLimit) -> RequestPacer {
        RequestPacer(redis: redis, key: "test:pace:\(UUID().uuidString)", rate: rate, logger: TicketingHarness.logger)
    }

    /// When each of `count` concurrent waits ended, in seconds from the start, sorted.
    static func times(_ count: Int, _ wait: @escaping @Sendable () async throws -> Void) async throws -> [Double] {
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: Double.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await wait()
                    let elapsed = ContinuousClock.now - start
                    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted()
        }
    }

    @Test func concurrent_requests_leave_one_slot_apart() async throws {
        try await RedisTestServer.withClient { redis in
            // 10 per second, 2 % under: one every 102 ms.
            let pacer = Self.pacer(redis, rate: RateLimit(count: 10, window: .seconds(1)))
            let times = try await Self.times(12) { try await pacer.wait() }
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            #expect(gaps.allSatisfy { $0 > 0.09 }, "\(gaps)")
            #expect(times.last! > 11 * 0.1, "\(times)")
            // Any second holds at most the rate.
            for t in times { #expect(times.filter { $0 >= t && $0 < t + 1 }.count <= 10) }
        }
    }

    @Test func a_request_that_may_not_wait_long_takes_no_slot() async throws {
        try await RedisTestServer.withClient { redis in
            let pacer = Self.pacer(redis, rate: RateLimit(count: 1, window: .seconds(1)))
            let first = try await pacer.wait(atMost: .zero)
            // The next slot is a second away: refused, and nothing reserved.
            let hurried = try await pacer.wait(atMost: .milliseconds(100))
            let start = ContinuousClock.now
            let patient = try await pacer.wait(atMost: .seconds(2))
            let waited = ContinuousClock.now - start
            #expect(first && !hurried && patient)
            #expect(waited < .milliseconds(1500), "\(waited)")
        }
    }

    @Test func a_pause_holds_every_later_request_back() async throws {
        try await RedisTestServer.withClient { redis in
            let pacer = Self.pacer(redis, rate: RateLimit(count: 100, window: .seconds(1)))
            await pacer.pause(.milliseconds(600))
            let start = ContinuousClock.now
            try await pacer.wait()
            #expect(ContinuousClock.now - start > .milliseconds(500))
        }
    }

    @Test func without_redis_each_instance_keeps_the_pace_on_its_own() async throws {
        let port = try await ChildProcess.freePort()
        let redis = try RedisClient(url: "redis://127.0.0.1:\(port)/0", connectTimeout: .milliseconds(200))
        let pacer = Self.pacer(redis, rate: RateLimit(count: 10, window: .seconds(1)))
        let times = try await Self.times(8) { try await pacer.wait() }
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 > 0.08 }, "\(gaps)")
    }
}
