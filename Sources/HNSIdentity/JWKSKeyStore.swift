import AsyncHTTPClient
import Foundation
import HNSCore
import JWTKit
import Logging
import NIOCore
import NIOHTTP1

/// Drupal's JWKS, fetched over HTTP and cached. Fetches are coalesced (concurrent callers wait for
/// the one in flight), a kid we do not know triggers at most one refresh per
/// `jwksMinimumRefreshInterval`, and until a first set has loaded, failures are retried no sooner
/// than `jwksRetryAfterFailure`.
actor JWKSKeyStore {
    private let url: URL
    private let client: HTTPClient
    private let logger: Logger
    private let minimumRefreshInterval: Duration
    private let retryAfterFailure: Duration
    private let fetchTimeout: Duration
    /// Injected so tests move past a pause instead of waiting for it.
    private let clock: WallClock

    /// The last good key set, by kid. Never emptied by a failed or empty fetch.
    private var keys: [String: JWTKey] = [:]
    private var lastAttempt: Duration?
    private var lastAttemptFailed = false
    private var lastUnknownKeyRefresh: Duration?
    /// Non-nil while a fetch runs: the callers waiting for it.
    private var waiters: [CheckedContinuation<Void, Never>]?

    init(url: URL, configuration: IdentityConfiguration, client: HTTPClient, logger: Logger, clock: WallClock = .system) {
        self.url = url
        self.clock = clock
        self.client = client
        self.logger = logger
        self.minimumRefreshInterval = configuration.jwksMinimumRefreshInterval
        self.retryAfterFailure = configuration.jwksRetryAfterFailure
        self.fetchTimeout = configuration.jwksFetchTimeout
    }

    /// The key for a token's `kid` (or, without one, the only key for its algorithm).
    func key(id: String?, algorithm: String) async throws(IdentityError) -> JWTKey {
        var fetched = false
        if self.keys.isEmpty, self.waiters != nil || self.elapsed(since: self.lastAttempt, atLeast: self.retryAfterFailure) {
            await self.refresh()
            fetched = true
        }
        if let key = self.find(id: id, algorithm: algorithm) { return key }
        // With no keys at all the kid is not "unknown": only the failure pause above applies.
        if !fetched, !self.keys.isEmpty,
            self.waiters != nil || self.elapsed(since: self.lastUnknownKeyRefresh, atLeast: self.minimumRefreshInterval)
        {
            // Drupal may have rotated its keys; a refresh already in flight may bring the key too.
            if self.waiters == nil {
                self.lastUnknownKeyRefresh = self.clock.uptime
                // The kid comes from the caller: cut it short before logging it.
                let kid = id.map { String($0.prefix(64)) } ?? "-"
                self.logger.info("token names an unknown key; refreshing the JWKS", metadata: ["hns.identity.kid": "\(kid)"])
            }
            await self.refresh()
            if let key = self.find(id: id, algorithm: algorithm) { return key }
        }
        if self.keys.isEmpty || self.lastAttemptFailed { throw .keySourceUnavailable }
        throw .unknownKey
    }

    /// Whether a key for `id` (or the only key for `algorithm`) is loaded now; never fetches.
    func has(id: String?, algorithm: String) -> Bool { self.find(id: id, algorithm: algorithm) != nil }

    private func find(id: String?, algorithm: String) -> JWTKey? {
        if let id { return self.keys[id] }
        let candidates = self.keys.values.filter { $0.algorithm == algorithm }
        return candidates.count == 1 ? candidates.first : nil
    }

    private func elapsed(since instant: Duration?, atLeast interval: Duration) -> Bool {
        guard let instant else { return true }
        return self.clock.uptime - instant >= interval
    }

    /// Fetches the JWKS now, or waits for the fetch already in flight.
    func refresh() async {
        if self.waiters != nil {
            await withCheckedContinuation { self.waiters?.append($0) }
            return
        }
        self.waiters = []
        self.lastAttempt = self.clock.uptime
        do {
            let fresh = try await self.fetch()
            self.keys = fresh
            self.lastAttemptFailed = false
            self.logger.debug("JWKS loaded", metadata: ["hns.identity.kids": "\(fresh.keys.sorted())"])
        } catch {
            // Keep the last good set: a Drupal hiccup must not log everybody out.
            self.lastAttemptFailed = true
            self.logger.warning("JWKS fetch failed", metadata: ["hns.identity.jwks": "\(self.url)", "error": "\(error)"])
        }
        let waiting = self.waiters ?? []
        self.waiters = nil
        for waiter in waiting { waiter.resume() }
    }

    struct FetchError: Error, CustomStringConvertible {
        let description: String
    }

    private func fetch() async throws -> [String: JWTKey] {
        var request = HTTPClientRequest(url: self.url.absoluteString)
        request.headers.add(name: "Accept", value: "application/json")
        // Fetches are minutes apart: a pooled keep-alive connection would only go stale in between.
        request.headers.add(name: "Connection", value: "close")
        let response = try await self.client.execute(request, timeout: .milliseconds(self.fetchTimeout.milliseconds))
        guard response.status == .ok else { throw FetchError(description: "HTTP \(response.status.code)") }
        let body = try await response.body.collect(upTo: 1 << 20)
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        guard case .array(let entries)? = document["keys"] else { throw FetchError(description: "no keys array") }
        var keys: [String: JWTKey] = [:]
        for entry in entries {
            if let (kid, key) = await Self.usableKey(entry) { keys[kid] = key }
        }
        // An empty set is far likelier a broken deploy than a real revocation of every key.
        guard !keys.isEmpty else { throw FetchError(description: "no usable RS256/ES256 signing keys") }
        return keys
    }

    /// An RS256 or ES256 signing key with a kid, its `alg` pinned; `nil` for anything else
    /// (encryption keys, other key types or curves), which real key sets may well contain.
    private static func usableKey(_ entry: JSONValue) async -> (String, JWTKey)? {
        guard (entry["use"]?.stringValue ?? "sig") == "sig",
            var jwk = try? JSONDecoder().decode(JWK.self, from: Data(entry.encoded())),
            let kid = jwk.keyIdentifier?.string
        else { return nil }
        if jwk.keyType == .rsa, jwk.algorithm == nil || jwk.algorithm == .rs256 {
            jwk.algorithm = .rs256
        } else if jwk.keyType == .ecdsa, jwk.curve?.rawValue == "P-256", jwk.algorithm == nil || jwk.algorithm == .es256 {
            jwk.algorithm = .es256
        } else {
            return nil
        }
        guard let key = try? await JWTKey.jwk(jwk) else { return nil }
        return (kid, key)
    }
}
