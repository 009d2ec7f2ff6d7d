import HNSCore
import Testing
import WaitingRoom

@Suite struct QueueConfigurationTests {
    @Test func every_missing_setting_is_named_at_once() {
        do {
            _ = try QueueConfiguration.fromEnvironment(["HNS_QUEUE_TICK": "fast"])
            Issue.record("accepted an empty environment")
        } catch let error as ConfigurationError {
            let text = error.description
            for name in ["HNS_REDIS_URL", "HNS_IDENTITY_ISSUER", "HNS_QUEUE_SIGNING_KEY", "HNS_QUEUE_SERVICE_TOKEN", "HNS_QUEUE_TICK=fast"] {
                #expect(text.contains(name), "missing \(name) in \(text)")
            }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func a_short_signing_key_is_refused() {
        var env = QueueHarness.environment
        env["HNS_REDIS_URL"] = "redis://127.0.0.1:6379/0"
        env["HNS_QUEUE_SIGNING_KEY"] = "short"
        #expect(throws: ConfigurationError.self) { try QueueConfiguration.fromEnvironment(env) }
        env["HNS_QUEUE_SIGNING_KEY"] = QueueHarness.signingKey
        env["HNS_QUEUE_TICK"] = "250ms"
        let config = try? QueueConfiguration.fromEnvironment(env)
        #expect(config?.tick == .milliseconds(250))
        #expect(config?.http.port == 8081)
    }
}
