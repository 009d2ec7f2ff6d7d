import Hummingbird
import Logging

/// The settings every daemon shares: where to listen and how loudly to log.
public struct HTTPSettings: Sendable {
    public var bind: String
    public var port: Int
    public var logLevel: Logger.Level

    public init(bind: String = "127.0.0.1", port: Int, logLevel: Logger.Level = .info) {
        self.bind = bind
        self.port = port
        self.logLevel = logLevel
    }

    /// `HNS_BIND`, `HNS_LOG_LEVEL` and the daemon's own port variable.
    public static func read(_ env: EnvironmentReader, portVariable: String, defaultPort: Int) -> HTTPSettings {
        HTTPSettings(
            bind: env.string("HNS_BIND", default: "127.0.0.1"),
            port: env.int(portVariable, default: defaultPort, range: 0...65535),
            logLevel: LoggingBootstrap.parseLevel(env.string("HNS_LOG_LEVEL"), reader: env)
        )
    }

    public var applicationConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(self.bind, port: self.port), serverName: nil)
    }
}

public enum DaemonRouter {
    /// A router with the middleware every daemon runs, outermost first: request id, problem+json, metrics.
    public static func make<Context: RequestContext>(daemon: String, context: Context.Type = Context.self) -> Router<Context> {
        HNSMetrics.bootstrap()
        let router = Router(context: Context.self)
        router.add(middleware: RequestIDMiddleware<Context>())
        router.add(middleware: ProblemMiddleware<Context>())
        router.add(middleware: HTTPMetricsMiddleware<Context>(daemon: daemon))
        return router
    }
}

extension Logger {
    public static func daemon(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
