import Foundation
import Testing
@testable import Ticketing

@Suite struct OrderWatchTests {
    @Test func a_settlement_between_register_and_wait_is_not_lost() async {
        let watch = OrderWatch()
        let order = UUID()
        let key = try! #require(watch.register(order))
        watch.settled(order)  // the NOTIFY arrives while the request is still reading the order
        let started = ContinuousClock.now
        await watch.wait(order, key: key, timeout: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(1))
        watch.unregister(order, key: key)
        #expect(watch.waiting == 0)
    }

    @Test func only_the_settled_orders_waiters_wake() async {
        let watch = OrderWatch()
        let (a, b) = (UUID(), UUID())
        let keyA = try! #require(watch.register(a))
        let keyB = try! #require(watch.register(b))
        let started = ContinuousClock.now
        async let woken: Void = watch.wait(a, key: keyA, timeout: .seconds(10))
        async let other: Void = watch.wait(b, key: keyB, timeout: .seconds(2))
        try? await Task.sleep(for: .milliseconds(50))
        watch.settled(a)
        await woken
        #expect(ContinuousClock.now - started < .milliseconds(1500))
        await other  // not settled: it ran to its timeout
        #expect(ContinuousClock.now - started >= .milliseconds(1990))
        watch.unregister(a, key: keyA)
        watch.unregister(b, key: keyB)
        #expect(watch.waiting == 0)
    }

    @Test func closing_answers_every_waiter_and_refuses_new_ones() async {
        let watch = OrderWatch()
        let order = UUID()
        let key = try! #require(watch.register(order))
        let started = ContinuousClock.now
        async let waited: Void = watch.wait(order, key: key, timeout: .seconds(10))
        try? await Task.sleep(for: .milliseconds(50))
        watch.close()
        await waited
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(watch.register(order) == nil)
    }

    @Test func a_cancelled_wait_returns_at_once() async {
        let watch = OrderWatch()
        let order = UUID()
        let key = try! #require(watch.register(order))
        let started = ContinuousClock.now
        let task = Task { await watch.wait(order, key: key, timeout: .seconds(10)) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}
