import Foundation
import HNSCore
import Testing

@testable import Ticketing

/// Waits here time out after a minute: a wait that ends within 30 s ended for the reason the test
/// gives it, however slowly a busy machine schedules the tasks.
@Suite(.timeLimit(.minutes(2))) struct OrderWatchTests {
    static let long: Duration = .seconds(60)
    static let bound: Duration = .seconds(30)

    @Test func a_settlement_between_register_and_wait_is_not_lost() async throws {
        let watch = OrderWatch()
        let order = UUID()
        let key = try #require(watch.register(order))
        watch.settled(order)  // the announcement arrives while the request is still reading the order
        let started = ContinuousClock.now
        await watch.wait(order, key: key, timeout: Self.long)
        #expect(ContinuousClock.now - started < Self.bound)
        watch.unregister(order, key: key)
        #expect(watch.waiting == 0)
    }

    @Test func only_the_settled_orders_waiters_wake() async throws {
        let watch = OrderWatch()
        let (a, b) = (UUID(), UUID())
        let keyA = try #require(watch.register(a))
        let keyB = try #require(watch.register(b))
        let bDone = Locked(false)
        let waitingB = Task {
            await watch.wait(b, key: keyB, timeout: Self.long)
            bDone.withLock { $0 = true }
        }
        let started = ContinuousClock.now
        let waitingA = Task { await watch.wait(a, key: keyA, timeout: Self.long) }
        let keyB2 = try #require(watch.register(b))
        try await Task.sleep(for: .milliseconds(50))
        watch.settled(a)
        await waitingA.value
        #expect(ContinuousClock.now - started < Self.bound)
        // b's order did not settle: a fresh wait on it runs to its timeout (a settled one would return at once).
        let second = ContinuousClock.now
        await watch.wait(b, key: keyB2, timeout: .milliseconds(300))
        #expect(ContinuousClock.now - second >= .milliseconds(290))
        #expect(bDone.value == false)
        watch.unregister(b, key: keyB2)
        watch.settled(b)
        await waitingB.value
        #expect(bDone.value)
        watch.unregister(a, key: keyA)
        watch.unregister(b, key: keyB)
        #expect(watch.waiting == 0)
    }

    @Test func closing_answers_every_waiter_and_refuses_new_ones() async throws {
        let watch = OrderWatch()
        let order = UUID()
        let key = try #require(watch.register(order))
        let started = ContinuousClock.now
        let waiting = Task { await watch.wait(order, key: key, timeout: Self.long) }
        try await Task.sleep(for: .milliseconds(50))
        watch.close()
        await waiting.value
        #expect(ContinuousClock.now - started < Self.bound)
        #expect(watch.register(order) == nil)
        #expect(watch.waiting == 0)
    }

    @Test func a_cancelled_wait_returns_at_once() async throws {
        let watch = OrderWatch()
        let order = UUID()
        let key = try #require(watch.register(order))
        let started = ContinuousClock.now
        let task = Task { await watch.wait(order, key: key, timeout: Self.long) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - started < Self.bound)
    }

    @Test func an_unsettled_wait_ends_at_its_timeout() async throws {
        let watch = OrderWatch()
        let order = UUID()
        let key = try #require(watch.register(order))
        let started = ContinuousClock.now
        await watch.wait(order, key: key, timeout: .milliseconds(300))
        #expect(ContinuousClock.now - started >= .milliseconds(290))
        #expect(ContinuousClock.now - started < Self.bound)
        watch.unregister(order, key: key)
    }

    @Test func the_recheck_interval_is_read_and_bounded() throws {
        let base = [
            "HNS_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "HNS_REDIS_URL": "redis://127.0.0.1:1/0",
            "HNS_IDENTITY_ISSUER": TicketingHarness.issuer, "HNS_IDENTITY_AUDIENCE": TicketingHarness.audience,
            "HNS_IDENTITY_HS256_SECRET": TicketingHarness.secret,
        ]
        #expect(try TicketingConfiguration.fromEnvironment(base).orderWaitRecheck == .seconds(2))
        #expect(
            try TicketingConfiguration.fromEnvironment(base.merging(["HNS_ORDER_WAIT_RECHECK": "750ms"]) { $1 }).orderWaitRecheck
                == .milliseconds(750))
        for bad in ["0", "50ms", "soon"] {
            #expect(throws: (any Error).self, "\(bad)") {
                try TicketingConfiguration.fromEnvironment(base.merging(["HNS_ORDER_WAIT_RECHECK": bad]) { $1 })
            }
        }
    }
}
