/// HNSRedis: a small Redis client on SwiftNIO, speaking RESP2 through a pure-Swift codec.
///
/// Why pure Swift rather than hiredis: CI and the daemons' images need no C library or system
/// package, the parser is resumable (hiredis' speed advantage on huge replies came only from the
/// naive re-scanning parser it was measured against), and RESP3 (`HELLO 3`, push frames) stays
/// possible, which hiredis 0.14 cannot do. It costs about the same amount of code.
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The shared Redis client of a daemon: a small pool of multiplexed connections, opened lazily
/// and replaced transparently when they die.
///
/// It is a `Service`: add it to the `ServiceGroup` before the services that use it. Commands
/// work before `run()` starts (connections open on demand, bounded by `connectTimeout`);
/// when `run()` ends at graceful shutdown or cancellation, all connections are closed, Pub/Sub
/// streams finish and further commands throw `RedisError.clientShutdown`.
public final class RedisClient: Service, RedisCommandSender {
    public let configuration: RedisConfiguration
    let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let state: Mutex<State>

    private enum Slot {
        case idle
        case connecting(EventLoopFuture<RedisConnection>)
        case ready(RedisConnection)
    }

    private struct State {
        var slots: [Slot]
        var nextSlot = 0
        var isShutdown = false
        var nextID = 0
        /// Dedicated and subscriber connections: closed at shutdown so blocked readers wake up.
        var extraConnections: [Int: RedisConnection] = [:]
    }

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "hns.redis")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.state = Mutex(State(slots: Array(repeating: .idle, count: configuration.poolSize)))
    }

    /// `redis://[[user]:password@]host[:port][/db]`
    public convenience init(
        url: String, poolSize: Int = 4, connectTimeout: Duration = .seconds(5),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "hns.redis")
    ) throws(RedisError) {
        let configuration = try RedisConfiguration(url: url, poolSize: poolSize, connectTimeout: connectTimeout)
        self.init(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Keeps the client alive until graceful shutdown or cancellation, then closes every connection.
    public func run() async throws {
        logger.debug("Redis client running", metadata: ["redis": "\(configuration)"])
        try? await gracefulShutdown()
        await shutdown()
    }

    public func send(_ command: [RESPArg]) async throws -> RESPValue {
        try await onPool { try await $0.execute([command], replies: 1)[0] }.throwIfError()
    }

    public func pipeline(_ commands: [[RESPArg]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try await onPool { try await $0.execute(commands, replies: commands.count) }
    }

    /// Runs `body` on a connection of its own, for blocking commands (`XREADGROUP … BLOCK`,
    /// `BLPOP`) that would otherwise stall every command pipelined behind them. The connection
    /// is closed afterwards; cancelling the task closes it at once to unblock the command.
    public func withDedicatedConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (RedisConnection) async throws -> T
    ) async throws -> T {
        let (id, connection) = try await openRegisteredConnection(onPush: nil)
        defer { release(id: id, connection) }
        return try await withTaskCancellationHandler {
            try await body(connection)
        } onCancel: {
            connection.closeNow()
        }
    }

    // MARK: - Pool

    private enum Acquire {
        case use(RedisConnection)
        case wait(EventLoopFuture<RedisConnection>)
        case open(slot: Int, EventLoopPromise<RedisConnection>)
    }

    /// Runs `operation` on a pooled connection. A connection that turns out to be dead before the
    /// request left (Redis restarted, the close not yet noticed) is replaced and the request
    /// retried: nothing was sent, so nothing can run twice.
    private func onPool<T>(_ operation: (RedisConnection) async throws -> T) async throws -> T {
        var retries = 0
        while true {
            do {
                return try await operation(pooledConnection())
            } catch is RedisConnection.NotSent where retries < configuration.poolSize {
                retries += 1
            } catch is RedisConnection.NotSent {
                throw RedisError.connectionClosed
            }
        }
    }

    /// Round-robin over the slots. A dead connection is replaced here, on the next command,
    /// and concurrent callers of the same slot wait for the one connect attempt.
    private func pooledConnection() async throws -> RedisConnection {
        let action = try state.withLock { state throws(RedisError) -> Acquire in
            guard !state.isShutdown else { throw .clientShutdown }
            let index = state.nextSlot
            state.nextSlot = (index + 1) % state.slots.count
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive:
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .idle, .ready:
                let promise = eventLoopGroup.any().makePromise(of: RedisConnection.self)
                state.slots[index] = .connecting(promise.futureResult)
                return .open(slot: index, promise)
            }
        }
        switch action {
        case .use(let connection):
            return connection
        case .wait(let future):
            return try await future.get()
        case .open(let index, let promise):
            do {
                let connection = try await openConnection(onPush: nil)
                let stored = state.withLock { state in
                    guard !state.isShutdown else { return false }
                    state.slots[index] = .ready(connection)
                    return true
                }
                guard stored else {
                    await connection.close()
                    throw RedisError.clientShutdown
                }
                promise.succeed(connection)
                return connection
            } catch {
                state.withLock { $0.slots[index] = .idle }
                promise.fail(error)
                throw error
            }
        }
    }

    /// Connects, retrying refused or failed attempts with backoff until `connectTimeout` runs
    /// out, so a command issued while Redis restarts waits a little instead of failing at once.
    private func openConnection(onPush: (@Sendable (RESPValue) -> Void)?) async throws -> RedisConnection {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.connectTimeout
        var delay = Duration.milliseconds(20)
        while true {
            do {
                return try await RedisConnection.connect(
                    configuration, timeout: deadline - clock.now, eventLoopGroup: eventLoopGroup,
                    logger: logger, onPush: onPush)
            } catch let error as RedisError where error.serverCode != nil {
                throw error  // wrong password or database: retrying cannot help
            } catch {
                guard clock.now + delay < deadline, !isShutdown else { throw error }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(500))
            }
        }
    }

    /// A connection outside the pool, tracked so shutdown can close it.
    func openRegisteredConnection(
        onPush: (@Sendable (RESPValue) -> Void)?
    ) async throws -> (id: Int, connection: RedisConnection) {
        if isShutdown { throw RedisError.clientShutdown }
        let connection = try await openConnection(onPush: onPush)
        let id = state.withLock { state -> Int? in
            guard !state.isShutdown else { return nil }
            state.nextID += 1
            state.extraConnections[state.nextID] = connection
            return state.nextID
        }
        guard let id else {
            await connection.close()
            throw RedisError.clientShutdown
        }
        return (id, connection)
    }

    func release(id: Int, _ connection: RedisConnection) {
        _ = state.withLock { $0.extraConnections.removeValue(forKey: id) }
        connection.closeNow()
    }

    var isShutdown: Bool { state.withLock { $0.isShutdown } }

    private func shutdown() async {
        let connections = state.withLock { state -> [RedisConnection] in
            state.isShutdown = true
            var all = Array(state.extraConnections.values)
            for case .ready(let connection) in state.slots { all.append(connection) }
            state.slots = state.slots.map { _ in .idle }
            state.extraConnections = [:]
            return all
        }
        for connection in connections {
            await connection.close()
        }
        logger.debug("Redis client shut down", metadata: ["redis.closed": "\(connections.count)"])
    }
}
