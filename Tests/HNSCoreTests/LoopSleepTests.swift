import HNSCore
import Testing

@Suite struct LoopSleepTests {
    @Test func sleeps_at_least_the_duration() async throws {
        let start = ContinuousClock.now
        try await loopSleep(for: .milliseconds(50))
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }

    @Test func cancellation_ends_the_sleep_with_cancellation_error() async throws {
        let start = ContinuousClock.now
        // Also a duration whose nanoseconds do not fit in 64 bits (clamped, not trapped).
        let sleeper = Task { try await loopSleep(for: .seconds(10_000_000_000_000)) }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func a_timeout_ends_a_body_that_does_not_answer() async throws {
        await #expect(throws: ReadinessTimeout.self) {
            try await withTimeout(.milliseconds(30)) { try await loopSleep(for: .seconds(30)) }
        }
        #expect(try await withTimeout(.seconds(5)) { 7 } == 7)
    }
}
