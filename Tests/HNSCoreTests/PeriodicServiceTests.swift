import HNSCore
import HNSTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite struct PeriodicServiceTests {
    struct RoundFailed: Error {}

    @Test func a_failed_round_does_not_end_the_next_and_shutdown_stops_it() async throws {
        // given work that fails every other round
        let rounds = Locked(0)
        var logger = Logger(label: "test.periodic")
        logger.logLevel = .critical
        let service = PeriodicService("test work", every: .milliseconds(20), immediately: true, logger: logger) {
            let n = rounds.withLock {
                $0 += 1
                return $0
            }
            if n.isMultiple(of: 2) { throw RoundFailed() }
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        // when it runs
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // then rounds go on past the failures
            #expect(try await eventually(timeout: .seconds(10)) { rounds.value >= 5 })
            // and graceful shutdown ends the loop
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let stopped = rounds.value
        try await Task.sleep(for: .milliseconds(100))
        #expect(rounds.value == stopped)
    }

    @Test func without_immediately_the_first_round_waits_one_interval() async throws {
        let rounds = Locked(0)
        var logger = Logger(label: "test.periodic")
        logger.logLevel = .critical
        let service = PeriodicService("test work", every: .seconds(60), logger: logger) { rounds.withLock { $0 += 1 } }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(rounds.value == 0)
    }
}
