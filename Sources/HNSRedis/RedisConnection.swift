import Logging
import NIOCore
import NIOPosix

/// One TCP connection to Redis. Redis answers in request order, so the channel handler keeps
/// a FIFO of reply promises and any number of concurrent `send`s pipeline on this connection.
public final class RedisConnection: RedisCommandSender {
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Opens a connection and runs AUTH/SELECT from `configuration`. Callers own it and must `close()` it.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "hns.redis")
    ) async throws -> RedisConnection {
        try await connect(
            configuration, timeout: configuration.connectTimeout,
            eventLoopGroup: eventLoopGroup, logger: logger, onPush: nil)
    }

    /// `onPush` receives Pub/Sub `message`/`pmessage` frames; only subscriber connections set it,
    /// because on a normal connection an array starting with "message" is just data.
    static func connect(
        _ configuration: RedisConfiguration, timeout: Duration, eventLoopGroup: any EventLoopGroup,
        logger: Logger, onPush: (@Sendable (RESPValue) -> Void)?
    ) async throws -> RedisConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(max(timeout, .milliseconds(1))))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(RESPDecoder()), RedisCommandHandler(onPush: onPush))
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw RedisError.connectFailed("\(configuration.host):\(configuration.port): \(error)")
        }
        let connection = RedisConnection(channel: channel)
        do {
            if let password = configuration.password {
                if let username = configuration.username {
                    try await connection.send("AUTH", username, password)
                } else {
                    try await connection.send("AUTH", password)
                }
            }
            if configuration.database != 0 {
                try await connection.send("SELECT", configuration.database)
            }
        } catch {
            await connection.close()
            throw error
        }
        logger.debug("Redis connection opened", metadata: ["redis.peer": "\(configuration.host):\(configuration.port)"])
        return connection
    }

    /// False once the server closed the connection or it broke; the pool then replaces it.
    public var isActive: Bool { channel.isActive }

    var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    public func send(_ command: [RESPArg]) async throws -> RESPValue {
        do {
            return try await execute([command], replies: 1)[0].throwIfError()
        } catch is NotSent {
            throw RedisError.connectionClosed
        }
    }

    public func pipeline(_ commands: [[RESPArg]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        do {
            return try await execute(commands, replies: commands.count)
        } catch is NotSent {
            throw RedisError.connectionClosed
        }
    }

    /// The request never reached the socket because the connection was already closed, so the
    /// pool may retry it elsewhere without running it twice. Public API reports `connectionClosed`.
    struct NotSent: Error {}

    /// Writes `commands` as one buffer with one flush and waits for `replies` replies
    /// (SUBSCRIBE answers once per channel, hence not always one per command).
    func execute(_ commands: [[RESPArg]], replies: Int) async throws -> [RESPValue] {
        guard channel.isActive else { throw NotSent() }
        let eventLoop = channel.eventLoop
        let promises = (0..<replies).map { _ in eventLoop.makePromise(of: RESPValue.self) }
        let written = eventLoop.makePromise(of: Void.self)
        // A write that never reaches the handler (channel closed meanwhile) must not strand the
        // reply promises; failing an already failed promise is a no-op.
        written.futureResult.whenFailure { error in
            let notSent = (error as? ChannelError) == .ioOnClosedChannel || error is NotSent
            for promise in promises { promise.fail(notSent ? NotSent() : RedisError.connectionClosed) }
        }
        channel.writeAndFlush(RedisRequest(commands: commands, promises: promises), promise: written)
        if replies == 1 { return [try await promises[0].futureResult.get()] }
        return try await EventLoopFuture.whenAllSucceed(promises.map(\.futureResult), on: eventLoop).get()
    }

    /// Closes without waiting; usable from cancellation handlers.
    func closeNow() {
        channel.close(promise: nil)
    }

    public func close() async {
        try? await channel.close()
    }
}

struct RedisRequest: Sendable {
    var commands: [[RESPArg]]
    var promises: [EventLoopPromise<RESPValue>]
}

/// Event-loop-confined state: the FIFO of outstanding replies.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>(initialCapacity: 16)
    private var isClosed = false
    private let onPush: (@Sendable (RESPValue) -> Void)?

    init(onPush: (@Sendable (RESPValue) -> Void)?) {
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard !isClosed else {
            for reply in request.promises { reply.fail(RedisConnection.NotSent()) }
            promise?.fail(RedisConnection.NotSent())
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 32 * request.commands.count + 16)
        for command in request.commands {
            RESPEncoder.encode(command, into: &buffer)
        }
        // Enqueued in the same event-loop step as the write, so FIFO order equals wire order.
        pending.append(contentsOf: request.promises)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if let onPush, value.isPubSubMessage {
            onPush(value)
            return
        }
        guard let promise = pending.popFirst() else {
            // A reply nobody asked for means we lost track of the stream; nothing after it can be trusted.
            errorCaught(context: context, error: RedisError.protocolError("unsolicited reply"))
            return
        }
        promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error as? RedisError ?? RedisError.connectionClosed)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        isClosed = true
        while let promise = pending.popFirst() {
            promise.fail(error)
        }
    }
}
