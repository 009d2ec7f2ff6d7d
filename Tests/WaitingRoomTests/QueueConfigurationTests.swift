import Testing
import WaitingRoom

@Suite struct QueueConfigurationTests {
    @Test func missingRedisIsAConfigurationError() {
        #expect(throws: (any Error).self) { try QueueConfiguration.fromEnvironment([:]) }
    }
}
