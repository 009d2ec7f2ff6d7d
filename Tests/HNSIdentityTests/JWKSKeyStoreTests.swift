import Foundation
import HNSCore
import HNSIdentity
import HNSTestSupport
import Testing

/// Fetching, caching and refreshing Drupal's JWKS.
@Suite struct JWKSKeyStoreTests {
    @Test func concurrent_first_requests_share_one_fetch() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let token = try await drupal.token()
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await verifier.verify(bearer: token).userID } }
                for try await userID in group { #expect(userID == "42") }
            }
            #expect(drupal.fetchCount == 1)
        }
    }

    @Test func an_unknown_kid_triggers_one_refresh_then_the_rotated_key_is_accepted() async throws {
        try await JWKSTestServer.with { drupal in
            // given a verifier that has loaded the key set
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            _ = try await verifier.verify(bearer: try await drupal.token())
            #expect(drupal.fetchCount == 1)
            // when Drupal rotates and signs with the new key
            let newKey = drupal.rotate()
            let token = try await drupal.token(subject: "9", signature: .key(newKey))
            // then one refresh picks the key up
            #expect(try await verifier.verify(bearer: token).userID == "9")
            #expect(drupal.fetchCount == 2)
            // and the old key still works, from the cache
            #expect(try await verifier.verify(bearer: try await drupal.token()).userID == "42")
            #expect(drupal.fetchCount == 2)
        }
    }

    @Test func garbage_kids_cause_at_most_one_refresh_per_window() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            _ = try await verifier.verify(bearer: try await drupal.token())
            // Sequential and concurrent garbage, all within the default 30 s window.
            for _ in 0..<10 {
                let garbage = try await drupal.token(kid: .custom("garbage-" + JWKSTestServer.randomID()))
                await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: garbage) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let garbage = try await drupal.token(kid: .custom("garbage-" + JWKSTestServer.randomID()))
                        await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: garbage) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(drupal.fetchCount == 2)
        }
    }

    @Test func after_the_window_an_unknown_kid_may_refresh_again() async throws {
        try await JWKSTestServer.with { drupal in
            var configuration = drupal.configuration
            configuration.jwksMinimumRefreshInterval = .seconds(1)
            let verifier = await IdentityVerifier(configuration: configuration)
            _ = try await verifier.verify(bearer: try await drupal.token())
            let garbage = try await drupal.token(kid: .custom("garbage"))
            // when an unknown kid refreshes once
            let started = ContinuousClock.now
            await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: garbage) }
            #expect(drupal.fetchCount == 2)
            // then the next refresh comes only once the window has passed
            let refreshedAgain = try await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
                _ = try? await verifier.verify(bearer: garbage)
                return drupal.fetchCount == 3
            }
            #expect(refreshedAgain)
            #expect(started.duration(to: .now) >= .seconds(1))
            #expect(drupal.fetchCount == 3)
        }
    }

    @Test func an_unreachable_jwks_makes_the_key_source_unavailable() async throws {
        // given a JWKS URL where nothing listens
        let port = try await ChildProcess.freePort()
        let configuration = IdentityConfiguration(
            issuer: "https://drupal.test", audience: "hns-ticketing",
            keySource: .jwks(URL(string: "http://127.0.0.1:\(port)/.well-known/jwks.json")!), jwksFetchTimeout: .seconds(2))
        let verifier = await IdentityVerifier(configuration: configuration)
        let token = try await JWKSTestServer.mint(
            claims: JWKSTestServer.claims(issuer: "https://drupal.test", audience: "hns-ticketing"), signature: .key(.es256()))
        // then
        await #expect(throws: IdentityError.keySourceUnavailable) { try await verifier.verify(bearer: token) }
        #expect(IdentityError.keySourceUnavailable.problem.statusCode == 503)
    }

    @Test func a_failing_jwks_is_retried_after_a_pause_and_then_used() async throws {
        try await JWKSTestServer.with { drupal in
            // given Drupal answering 503 at first
            drupal.setFailing(true)
            var configuration = drupal.configuration
            configuration.jwksRetryAfterFailure = .seconds(5)
            let clock = ManualClock()
            let verifier = await IdentityVerifier(configuration: configuration, clock: clock.wallClock)
            let token = try await drupal.token()
            await #expect(throws: IdentityError.keySourceUnavailable) { try await verifier.verify(bearer: token) }
            // Within the pause nobody fetches again, even once Drupal has recovered.
            clock.advance(by: .seconds(4))
            await #expect(throws: IdentityError.keySourceUnavailable) { try await verifier.verify(bearer: token) }
            drupal.setFailing(false)
            await #expect(throws: IdentityError.keySourceUnavailable) { try await verifier.verify(bearer: token) }
            #expect(drupal.fetchCount == 1)
            // when the pause is over, the next call fetches again and the keys are used
            clock.advance(by: .seconds(1))
            #expect(try await verifier.verify(bearer: token).userID == "42")
            #expect(drupal.fetchCount == 2)
        }
    }

    @Test func a_failed_refresh_keeps_the_last_good_keys() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            _ = try await verifier.verify(bearer: try await drupal.token())
            // when Drupal is down and a token names a key we do not have
            drupal.setFailing(true)
            let newKey = drupal.rotate()
            let unseen = try await drupal.token(signature: .key(newKey))
            // then that token cannot be checked (our fault: 503, not 401)
            await #expect(throws: IdentityError.keySourceUnavailable) { try await verifier.verify(bearer: unseen) }
            #expect(drupal.fetchCount == 2)
            // but tokens with known keys still pass
            #expect(try await verifier.verify(bearer: try await drupal.token(signature: .key(drupal.rs256))).userID == "42")
        }
    }

    @Test func key_kinds_we_do_not_verify_with_are_skipped() async throws {
        try await JWKSTestServer.with { drupal in
            // The served set also holds an "oct" and an Ed25519 key (see JWKSTestServer).
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            #expect(try await verifier.verify(bearer: try await drupal.token()).userID == "42")
            let namesOct = try await drupal.token(kid: .custom("oct-1"))
            let namesEd = try await drupal.token(kid: .custom("ed-1"))
            await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: namesOct) }
            await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: namesEd) }
        }
    }

    @Test func a_retired_key_stops_being_accepted_after_a_refresh() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let old = try await drupal.token()
            _ = try await verifier.verify(bearer: old)
            // when Drupal replaces every key and a token with the new one arrives
            let newKey = drupal.rotate(retiringOld: true)
            _ = try await verifier.verify(bearer: try await drupal.token(signature: .key(newKey)))
            // then the old key is gone from the cache too
            await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: old) }
        }
    }

    @Test func the_refresh_service_loads_at_start_and_refreshes_periodically() async throws {
        try await JWKSTestServer.with { drupal in
            var configuration = drupal.configuration
            configuration.jwksRefreshInterval = .milliseconds(200)
            configuration.jwksMinimumRefreshInterval = .seconds(3600)
            let verifier = await IdentityVerifier(configuration: configuration)
            let service = try #require(verifier.refreshService)
            try await withRunningService(service) {
                // It fetches at start and then on its own, without any token arriving.
                let refreshed = try await eventually(timeout: .seconds(10)) { drupal.fetchCount >= 3 }
                #expect(refreshed)
                // Use up the one unknown-kid refresh of the hour, so only the periodic fetch can load a new key.
                let garbage = try await drupal.token(kid: .custom("garbage"))
                await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: garbage) }
                // A key rotated in meanwhile is loaded by a periodic fetch that starts after the rotation.
                let newKey = drupal.rotate()
                let before = drupal.fetchCount
                #expect(try await eventually(timeout: .seconds(10)) { drupal.fetchCount >= before + 2 })
                #expect(try await verifier.verify(bearer: try await drupal.token(subject: "5", signature: .key(newKey))).userID == "5")
            }
            // Stopped on graceful shutdown: no more fetches.
            let stopped = drupal.fetchCount
            try await Task.sleep(for: .milliseconds(500))
            #expect(drupal.fetchCount == stopped)
        }
    }

    @Test func fixed_keys_need_no_refresh_service() async throws {
        let secret = Secret(String(repeating: "s", count: 32))
        let configuration = IdentityConfiguration(issuer: "i", audience: "a", keySource: .developmentSecret(try #require(HS256Key(secret))))
        #expect(await IdentityVerifier(configuration: configuration).refreshService == nil)
    }
}
