import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The settings every daemon shares: where to listen and how loudly to log.
public struct HTTPSettings: Sendable {
    public var bind: String
    public var port: Int
    public var logLevel: Logger.Level
    /// A connection is closed when no request arrives complete within this time, from its start or
    /// from the end of its last answer: slow-loris clients and forgotten keep-alive connections do
    /// not hold file descriptors (`HNS_HTTP_IDLE_TIMEOUT`). Our own HTTP clients let their idle
    /// connections go sooner (20 s), so they never send on one the server is closing.
    public var idleTimeout: Duration

    public init(bind: String = "127.0.0.1", port: Int, logLevel: Logger.Level = .info, idleTimeout: Duration = .seconds(30)) {
        self.bind = bind
        self.port = port
        self.logLevel = logLevel
        self.idleTimeout = idleTimeout
    }

    /// `HNS_BIND`, `HNS_LOG_LEVEL` and the daemon's own port variable.
    public static func read(_ env: EnvironmentReader, portVariable: String, defaultPort: Int) -> HTTPSettings {
        HTTPSettings(
            bind: env.string("HNS_BIND", default: "127.0.0.1"),
            port: env.int(portVariable, default: defaultPort, range: 0...65535),
            logLevel: LoggingBootstrap.parseLevel(env.string("HNS_LOG_LEVEL"), reader: env),
            idleTimeout: env.duration("HNS_HTTP_IDLE_TIMEOUT", default: .seconds(30))
        )
    }

    /// HTTP/1.1 with the idle timeout (Hummingbird's connection state handler counts a request as
    /// arrived only once its head is complete) and unreadable requests answered with a problem.
    public var http1: HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(additionalChannelHandlers: [ParserErrorAnswer()], idleTimeout: TimeAmount(self.idleTimeout))
    }

    public var server: HTTPServerBuilder { .http1(configuration: self.http1) }

    public var applicationConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(self.bind, port: self.port), serverName: nil)
    }
}

public enum DaemonRouter {
    private static let tables = Locked<[ObjectIdentifier: (daemon: String, table: RouteTable)]>([:])
    private static let sealed = Locked<[String: Set<String>]>([:])

    /// A router with the middleware every daemon runs, outermost first: request id, problem+json, metrics.
    /// Once its routes are added, `seal` it.
    public static func make<Context: RequestContext>(daemon: String, context: Context.Type = Context.self) -> Router<Context> {
        HNSMetrics.bootstrap()
        let router = Router(context: Context.self)
        let table = RouteTable()
        Self.tables.withLock { $0[ObjectIdentifier(router)] = (daemon, table) }
        router.add(middleware: RequestIDMiddleware<Context>())
        router.add(middleware: ProblemMiddleware<Context>(routes: table))
        router.add(middleware: HTTPMetricsMiddleware<Context>(daemon: daemon))
        return router
    }

    /// Tells the router's problem middleware which methods each path has (for 405 with `Allow`).
    public static func seal<Context: RequestContext>(_ router: Router<Context>) {
        guard let (daemon, table) = Self.tables.withLock({ $0.removeValue(forKey: ObjectIdentifier(router)) }) else { return }
        let routes = router.routes.map { (path: $0.path.description, method: $0.method.rawValue) }
        table.fill(routes)
        Self.sealed.withLock { $0[daemon] = Set(routes.map { "\($0.method) \(Self.openAPIPath($0.path))" }) }
    }

    /// The routes the daemon's router was last sealed with, as `METHOD /path/{param}` (what its
    /// OpenAPI document must list: the route-parity tests compare the two).
    public static func routes(of daemon: String) -> Set<String> {
        Self.sealed.withLock { $0[daemon] ?? [] }
    }

    static func openAPIPath(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
}

extension Logger {
    public static func daemon(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
