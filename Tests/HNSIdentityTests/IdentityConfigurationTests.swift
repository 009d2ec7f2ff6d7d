import Foundation
import HNSCore
import HNSIdentity
import HNSTestSupport
import Testing

/// Reading `HNS_IDENTITY_*` and `HNS_QUEUE_SIGNING_KEY`.
@Suite struct IdentityConfigurationTests {
    let base = ["HNS_IDENTITY_ISSUER": "https://drupal.test", "HNS_IDENTITY_AUDIENCE": "hns-ticketing"]

    func problems(_ values: [String: String]) -> [String] {
        do {
            _ = try IdentityConfiguration.fromEnvironment(values)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func a_jwks_url_is_read_with_the_default_timings() throws {
        let configuration = try IdentityConfiguration.fromEnvironment(
            self.base.merging(["HNS_IDENTITY_JWKS_URL": "https://drupal.test/.well-known/jwks.json"]) { $1 })
        #expect(configuration.issuer == "https://drupal.test")
        #expect(configuration.audience == "hns-ticketing")
        guard case .jwks(let url) = configuration.keySource else {
            Issue.record("got \(configuration.keySource)")
            return
        }
        #expect(url.absoluteString == "https://drupal.test/.well-known/jwks.json")
        #expect(configuration.leeway == .seconds(60))
        #expect(configuration.jwksMinimumRefreshInterval == .seconds(30))
        #expect(configuration.jwksRefreshInterval == .seconds(600))
    }

    @Test func exactly_one_key_source_is_required() {
        let none = self.problems(self.base)
        #expect(none.count == 1 && none[0].contains("no identity key source"))
        let two = self.problems(
            self.base.merging([
                "HNS_IDENTITY_JWKS_URL": "https://drupal.test/jwks", "HNS_IDENTITY_HS256_SECRET": String(repeating: "x", count: 40),
            ]) { $1 })
        #expect(two.count == 1 && two[0].contains("HNS_IDENTITY_JWKS_URL and HNS_IDENTITY_HS256_SECRET"))
    }

    @Test func every_problem_is_reported_at_once_through_the_shared_reader() throws {
        // given a reader the daemon also uses for its own settings
        let env = EnvironmentReader(["HNS_IDENTITY_JWKS_URL": "ftp://drupal.test/jwks"])
        env.problem("HNS_REDIS_URL is not set")
        // when
        let configuration = IdentityConfiguration.read(env)
        // then nothing was thrown yet, and validate names everything
        #expect(configuration == nil)
        let error = try #require(throws: ConfigurationError.self) { try env.validate("hns-queue") }
        #expect(error.problems.count == 4)
        #expect(error.problems.contains { $0.contains("HNS_IDENTITY_ISSUER") })
        #expect(error.problems.contains { $0.contains("HNS_IDENTITY_AUDIENCE") })
        #expect(error.problems.contains { $0.contains("HNS_IDENTITY_JWKS_URL is not a valid http/https URL") })
    }

    @Test func a_development_secret_shorter_than_32_bytes_is_a_configuration_error() throws {
        let short = self.problems(self.base.merging(["HNS_IDENTITY_HS256_SECRET": String(repeating: "x", count: 31)]) { $1 })
        #expect(short == ["HNS_IDENTITY_HS256_SECRET must be at least 32 bytes (an HS256 key shorter than its digest is refused)"])
        let enough = try IdentityConfiguration.fromEnvironment(
            self.base.merging(["HNS_IDENTITY_HS256_SECRET": String(repeating: "x", count: 32)]) { $1 })
        guard case .developmentSecret = enough.keySource else {
            Issue.record("got \(enough.keySource)")
            return
        }
    }

    @Test func a_public_key_is_read_from_the_variable_or_a_file() throws {
        // given
        let es = JWKSTestServer.SigningKey.es256()
        let rs = JWKSTestServer.SigningKey.rs256()
        let file = NSTemporaryDirectory() + "identity-\(UUID().uuidString).pem"
        try rs.publicKeyPEM.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // when
        let fromVariable = try IdentityConfiguration.fromEnvironment(self.base.merging(["HNS_IDENTITY_PUBLIC_KEY": es.publicKeyPEM]) { $1 })
        let fromFile = try IdentityConfiguration.fromEnvironment(self.base.merging(["HNS_IDENTITY_PUBLIC_KEY_FILE": file]) { $1 })
        // One-line PEMs with literal \n, as some deployment tools write them.
        let oneLine = es.publicKeyPEM.replacingOccurrences(of: "\n", with: "\\n")
        let escaped = try IdentityConfiguration.fromEnvironment(self.base.merging(["HNS_IDENTITY_PUBLIC_KEY": oneLine]) { $1 })
        // then
        guard case .publicKey(let esKey) = fromVariable.keySource, case .publicKey(let rsKey) = fromFile.keySource,
            case .publicKey(let escapedKey) = escaped.keySource
        else {
            Issue.record("not public keys")
            return
        }
        #expect(esKey.algorithm == .es256)
        #expect(rsKey.algorithm == .rs256)
        #expect(escapedKey.algorithm == .es256)
    }

    @Test func a_public_key_that_is_not_one_is_a_configuration_error() {
        let notAKey = "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"
        let garbage = self.problems(self.base.merging(["HNS_IDENTITY_PUBLIC_KEY": notAKey]) { $1 })
        #expect(garbage == ["HNS_IDENTITY_PUBLIC_KEY is not a PEM RSA (2048 bits or more) or P-256 public key"])
        let missingFile = self.problems(self.base.merging(["HNS_IDENTITY_PUBLIC_KEY_FILE": "/nonexistent/key.pem"]) { $1 })
        #expect(missingFile.count == 1 && missingFile[0].contains("cannot be read"))
        #expect(IdentityPublicKey(pem: "") == nil)
    }

    @Test func the_queue_signing_key_must_be_set_and_at_least_32_bytes() throws {
        func read(_ values: [String: String]) -> (HS256Key?, [String]) {
            let env = EnvironmentReader(values)
            let key = PurchaseToken.readSigningKey(env)
            do { try env.validate("hns-queue") } catch { return (key, error.problems) }
            return (key, [])
        }
        let missing = read([:])
        #expect(missing.0 == nil && missing.1 == ["HNS_QUEUE_SIGNING_KEY (or HNS_QUEUE_SIGNING_KEY_FILE) is not set"])
        let short = read(["HNS_QUEUE_SIGNING_KEY": String(repeating: "k", count: 31)])
        #expect(short.0 == nil && short.1 == ["HNS_QUEUE_SIGNING_KEY must be at least 32 bytes (an HS256 key shorter than its digest is refused)"])
        let good = read(["HNS_QUEUE_SIGNING_KEY": String(repeating: "k", count: 32)])
        #expect(good.0 != nil && good.1.isEmpty)
        #expect(HS256Key(Secret(String(repeating: "k", count: 31))) == nil)
        #expect("\(try #require(good.0))" == "<redacted>")
    }
}
