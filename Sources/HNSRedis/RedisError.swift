/// Everything HNSRedis throws. Descriptions never include passwords or command arguments,
/// so errors can be logged and returned as-is.
public enum RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Redis answered with an error reply: `code` is its first word (`ERR`, `WRONGTYPE`, `NOSCRIPT`, …).
    case server(code: String, message: String)
    /// The connection closed or broke before the reply arrived. The command may or may not have run.
    case connectionClosed
    /// No connection could be made within the connect timeout.
    case connectFailed(String)
    /// The server sent bytes that are not RESP2, or a reply nested deeper than allowed.
    case protocolError(String)
    /// A typed helper got a reply of a shape it does not understand.
    case unexpectedReply(String)
    /// A `redis://` URL could not be parsed.
    case invalidURL(String)
    /// The client's `run()` has returned; it accepts no more commands.
    case clientShutdown

    /// Splits an error reply such as `WRONGTYPE Operation against…` into code and message.
    init(errorReply: String) {
        let parts = errorReply.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isUppercase || $0 == "_" }) {
            self = .server(code: String(parts[0]), message: String(parts[1]))
        } else {
            self = .server(code: "ERR", message: errorReply)
        }
    }

    /// The server error code (`WRONGTYPE`, `NOSCRIPT`, …), or nil for client-side errors.
    public var serverCode: String? {
        if case .server(let code, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .server(let code, let message): "Redis error \(code): \(message)"
        case .connectionClosed: "Redis connection closed"
        case .connectFailed(let reason): "Cannot connect to Redis: \(reason)"
        case .protocolError(let reason): "Redis protocol error: \(reason)"
        case .unexpectedReply(let reason): "Unexpected Redis reply: \(reason)"
        case .invalidURL(let reason): "Invalid Redis URL: \(reason)"
        case .clientShutdown: "Redis client is shut down"
        }
    }
}
