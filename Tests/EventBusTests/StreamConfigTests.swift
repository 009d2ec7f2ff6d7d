import EventBus
import Foundation
import HNSCore
import HNSTestSupport
import Testing

@Suite struct StreamConfigTests {
    let env = ["TOK_A": "token-aaaaaaaaaaaaaaaa", "TOK_B": "token-bbbbbbbbbbbbbbbb", "DRUPAL": "http://drupal.internal"]

    @Test func the_shipped_stream_config_is_valid() throws {
        let names = [
            "HNS_BUS_TOKEN_STRIPE_ROUTER", "HNS_BUS_TOKEN_TICKETING", "HNS_BUS_TOKEN_STRIPE_DRUPAL", "HNS_BUS_TOKEN_MAILER",
            "HNS_BUS_TOKEN_BACKEND",
        ]
        var environment: [String: String] = [:]
        for n in names { environment[n] = "dev-token-\(n.lowercased())" }
        let config = try StreamConfig.load(path: TestEnvironment.repoRoot + "/stream-config", environment: environment)
        #expect(config.name == "hns_ticketing_events")
        #expect(config.maxAge == .seconds(72 * 3600))
        #expect(config.acceptsSubject("stripe.unroutable"))
        #expect(Set(config.subscriptions.map(\.name)).isSuperset(of: ["stripe-drupal", "mailer-auth-events", "backend-all-events"]))
        let drupal = try #require(config.subscriptions.first { $0.name == "stripe-drupal" })
        #expect(drupal.matches("stripe.drupal") && !drupal.matches("stripe.backend"))
        #expect(drupal.url == "http://127.0.0.1:8090/stripe-webhook")
    }

    @Test func parses_filters_policies_and_expands_urls() throws {
        let config = try StreamConfig.parse(
            """
            stream: {name: s, subjects: ["a.>", "b.*"], max_age: 2h, duplicate_window: 1h, max_msg_size: 64KiB}
            publishers: [{name: p, token_env: TOK_A, allow: ["a.>"]}]
            subscriptions:
              - {name: one, filter: "a.x", url: "${DRUPAL}/hook", token_env: TOK_B, deliver: new, backoff: [1s, 2s], max_in_flight: 4}
              - {name: two, filters: ["a.>", "b.c"], url: "${MISSING:-http://fallback}/x", token_env: TOK_B, deliver: {start_seq: 10}}
              - {name: three, filter: ">", url: "http://h/x", token_env: TOK_B, deliver: {start_time: "2026-04-01T18:00:00Z"}, max_deliver: 5}
            """, environment: self.env)
        #expect(config.maxMessageSize == 64 * 1024)
        #expect(config.subscriptions[0].url == "http://drupal.internal/hook")
        #expect(config.subscriptions[0].deliver == .new)
        #expect(config.subscriptions[0].backoff(afterFailures: 7) == .seconds(2))
        #expect(config.subscriptions[1].url == "http://fallback/x")
        #expect(config.subscriptions[1].deliver == .startSeq(10))
        #expect(config.subscriptions[2].maxDeliver == 5)
        #expect(config.publisher(forToken: "token-aaaaaaaaaaaaaaaa")?.name == "p")
        #expect(config.publisher(forToken: "token-aaaaaaaaaaaaaaab") == nil)
    }

    @Test func lists_every_problem_at_once() {
        do {
            _ = try StreamConfig.parse(
                """
                stream: {name: s, subjects: ["a.>", "bad..subject"], max_age: forever}
                publishers: [{name: p, token_env: NOT_SET, allow: ["zzz.>"]}]
                subscriptions:
                  - {name: one, filter: "a.>", url: "http://h/x", token_env: TOK_B, retries: 3}
                  - {name: two, url: "ftp://h", token_env: TOK_B}
                """, environment: self.env)
            Issue.record("should not parse")
        } catch let invalid as StreamConfig.Invalid {
            let text = invalid.description
            #expect(text.contains("'bad..subject' is not a valid subject"))
            #expect(text.contains("max_age"))
            #expect(text.contains("NOT_SET is not set"))
            #expect(text.contains("unknown key 'retries'"))
            #expect(text.contains("needs 'filter' or 'filters'"))
            #expect(text.contains("not an http(s) URL"))
            #expect(text.contains("'zzz.>' matches no subject"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func check_config_subcommand_reports_problems_and_exits_non_zero() async throws {
        let bad = NSTemporaryDirectory() + "bad-\(UUID().uuidString).yaml"
        try "stream: {name: s, subjects: [\"a..b\"]}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(
            TestEnvironment.executable("hns-eventbus"), ["check-config"],
            environment: [
                "HNS_EVENTBUS_CONFIG": bad, "HNS_DATABASE_URL": "postgres://u@127.0.0.1/db", "PATH": "/usr/bin:/bin",
            ])
        #expect(result.status != 0)
        #expect(result.output.contains("'a..b' is not a valid subject"))
        let good = try await ChildProcess.run(
            TestEnvironment.executable("hns-eventbus"), ["check-config"],
            environment: [
                "HNS_EVENTBUS_CONFIG": TestEnvironment.repoRoot + "/stream-config", "HNS_DATABASE_URL": "postgres://u@127.0.0.1/db",
                "HNS_BUS_TOKEN_STRIPE_ROUTER": "0123456789abcdef0", "HNS_BUS_TOKEN_TICKETING": "0123456789abcdef1",
                "HNS_BUS_TOKEN_STRIPE_DRUPAL": "0123456789abcdef2", "HNS_BUS_TOKEN_MAILER": "0123456789abcdef3",
                "HNS_BUS_TOKEN_BACKEND": "0123456789abcdef4",
            ])
        #expect(good.status == 0)
        #expect(good.output.contains("configuration OK"))
    }
}
