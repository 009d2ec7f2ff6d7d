import ArgumentParser
import Crypto
import Foundation
import HNSCore
import HNSIdentity

extension TicketingCommand {
    /// Development only: a Drupal-like bearer token signed with `HNS_IDENTITY_HS256_SECRET`, so the
    /// API can be walked through with curl without a Drupal. Production keys (JWKS, PEM) sign nothing here.
    struct DevToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dev-token", abstract: "Print an HS256 identity token for development (needs HNS_IDENTITY_HS256_SECRET).")

        @Option(help: "The Drupal user id (sub).") var user = "fan-1"
        @Option(help: "The email claim (default: <user>@example.test).") var email: String?
        @Flag(help: "An admin whose session passed MFA.") var admin = false
        @Option(help: "A role instead of customer (support, quota_owner, petrol_staff, admin); repeat for several.") var role: [String] = []
        @Option(help: "Minutes until it expires.") var minutes = 60
        @Option(help: "A Petrol clerk's station (the petrol_station claim).") var station: String?

        func run() async throws {
            let env = EnvironmentReader()
            let secret = env.requireSecret("HNS_IDENTITY_HS256_SECRET", minimumLength: 32)
            let issuer = env.require("HNS_IDENTITY_ISSUER")
            let audience = env.require("HNS_IDENTITY_AUDIENCE")
            let known = Set(Role.allCases.map(\.rawValue))
            for role in self.role where !known.contains(role) {
                env.problem("--role \(role) is not one of \(known.sorted().joined(separator: ", "))")
            }
            do {
                try env.validate("hns-ticketing dev-token")
            } catch {
                // Said in full, not as a usage line: the fix is one command away.
                let hint = "\(error.description)\nWith scripts/run's environment: set -a; . .data/dev.env; set +a\n"
                FileHandle.standardError.write(Data(hint.utf8))
                throw ExitCode(78)
            }
            var claims: [String: JSONValue] = [
                "iss": .string(issuer), "aud": .string(audience), "sub": .string(self.user),
                "email": .string(self.email ?? "\(self.user)@example.test"),
                "roles": .array(self.roles.map(JSONValue.string)),
                "amr": .array((self.roles.contains("admin") ? ["pwd", "mfa"] : ["pwd"]).map(JSONValue.string)),
                "iat": .number(Date().timeIntervalSince1970.rounded(.down)),
                "exp": .number(Date().timeIntervalSince1970.rounded(.down) + Double(self.minutes * 60)),
            ]
            if let station = self.station { claims["petrol_station"] = .string(station) }
            print(Self.sign(secret: secret, claims: claims))
        }

        var roles: [String] {
            let roles = self.role + (self.admin ? ["admin"] : [])
            return roles.isEmpty ? ["customer"] : roles
        }

        static func sign(secret: Secret, claims: [String: JSONValue]) -> String {
            func b64(_ bytes: [UInt8]) -> String {
                Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
            }
            let input =
                b64(JSONValue.object(["alg": .string("HS256"), "typ": .string("JWT")]).encoded()) + "." + b64(JSONValue.object(claims).encoded())
            let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.value.utf8)))
            return input + "." + b64(Array(mac))
        }
    }
}
