/// Where and how to connect. `description` redacts the password.
public struct RedisConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Redis 6 ACL user; nil means the `default` user (`AUTH password`).
    public var username: String?
    public var password: String?
    public var database: Int
    /// Connections in the shared pool. Each one pipelines many concurrent commands, so a few suffice.
    public var poolSize: Int
    /// Bound on getting a usable connection (TCP, AUTH, SELECT), retries included, so commands
    /// issued while Redis is down fail instead of hanging.
    public var connectTimeout: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil,
        database: Int = 0, poolSize: Int = 4, connectTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.poolSize = max(1, poolSize)
        self.connectTimeout = connectTimeout
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`. A credential without a colon
    /// (`redis://secret@host`) is a password, as with a plain `requirepass` server.
    public init(url: String, poolSize: Int = 4, connectTimeout: Duration = .seconds(5)) throws(RedisError) {
        self.init(poolSize: poolSize, connectTimeout: connectTimeout)
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else { throw .invalidURL("expected redis:// (TLS is not supported)") }
        var rest = url.dropFirst(scheme.count)
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = try Self.percentDecoded(credentials[..<colon])
                let pass = try Self.percentDecoded(credentials[credentials.index(after: colon)...])
                username = user.isEmpty ? nil : user
                password = pass.isEmpty ? nil : pass
            } else {
                password = try Self.percentDecoded(credentials)
            }
        }
        var hostPort = rest
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let db = rest[rest.index(after: slash)...]
            if !db.isEmpty {
                guard let number = Int(db), number >= 0 else { throw .invalidURL("database must be a number") }
                database = number
            }
        }
        var portText: Substring?
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {  // [::1]:6379
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let tail = hostPort[hostPort.index(after: close)...]
            if !tail.isEmpty {
                guard tail.hasPrefix(":") else { throw .invalidURL("garbage after IPv6 address") }
                portText = tail.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
        }
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else { throw .invalidURL("bad port") }
            port = number
        }
        guard !host.isEmpty else { throw .invalidURL("missing host") }
    }

    public var description: String {
        let credentials = password == nil ? "" : "\(username ?? ""):***@"
        return "redis://\(credentials)\(host):\(port)/\(database)"
    }

    private static func percentDecoded(_ text: Substring) throws(RedisError) -> String {
        guard text.contains("%") else { return String(text) }
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%") {
                guard i + 2 < utf8.count,
                    let byte = UInt8(String(decoding: utf8[i + 1...i + 2], as: UTF8.self), radix: 16)
                else { throw .invalidURL("bad percent escape in credentials") }
                bytes.append(byte)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
