import Foundation
import HNSCore
import Logging
import NIOSSL
import PostgresNIO

/// `postgres://user:pass@host:port/db?sslmode=disable|prefer|require&max_connections=N` →
/// a `PostgresClient` configuration. As with libpq, `host=/a/folder` in the query connects through
/// the server's unix socket in that folder (`.s.PGSQL.<port>`), and the URL's own host may then be
/// left out: `postgres://user@/db?host=/var/run/postgresql`. On one machine a unix socket costs a
/// fraction of loopback TCP per round trip, and a purchase makes about thirty.
public enum PostgresURL {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public static func configuration(from raw: String) throws(Invalid) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: raw),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else { throw Invalid(description: "not a postgres:// URL") }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let socketFolder = query["host"]
        if let socketFolder, !socketFolder.hasPrefix("/") { throw Invalid(description: "host= must be an absolute folder (a unix socket's)") }
        let host = components.host ?? ""
        guard !host.isEmpty || socketFolder != nil else { throw Invalid(description: "has no host") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(description: "has no user name") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !database.isEmpty else { throw Invalid(description: "has no database name") }
        let port = components.port ?? 5432

        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw Invalid(description: "has unknown sslmode \(other)")
        }
        let (username, password) = (user.removingPercentEncoding ?? user, components.password?.removingPercentEncoding)
        var config: PostgresClient.Configuration
        if let socketFolder {
            // As libpq: prefer/allow mean no TLS on a socket; require and stricter cannot be met there.
            guard ["disable", "prefer", "allow"].contains(query["sslmode"] ?? "disable") else {
                throw Invalid(description: "a unix socket (host=) cannot use sslmode \(query["sslmode"] ?? "")")
            }
            config = .init(unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            config = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        if let raw = query["max_connections"] {
            guard let n = Int(raw), n > 0 else { throw Invalid(description: "max_connections must be a positive number") }
            config.options.maximumConnections = n
        }
        config.options.connectTimeout = .seconds(5)
        return config
    }

    /// Reads a URL setting through the environment reader, recording a problem if it is malformed.
    public static func read(_ name: String, from env: EnvironmentReader, fallback: String? = nil) -> PostgresClient.Configuration? {
        let raw = env.string(name) ?? fallback.flatMap { env.string($0) }
        guard let raw else {
            env.problem("\(name) is not set" + (fallback.map { " (nor \($0))" } ?? "") + " (postgres://user:pass@host:5432/db)")
            return nil
        }
        do {
            return try self.configuration(from: raw)
        } catch {
            env.problem("\(name) \(error.description)")
            return nil
        }
    }
}
