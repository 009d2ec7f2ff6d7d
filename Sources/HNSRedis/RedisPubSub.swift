import Logging
import NIOCore

/// A message received on a subscribed channel, or on a channel matching a `psubscribe` pattern.
public struct RedisPubSubMessage: Sendable, Hashable {
    public let channel: String
    /// The pattern that matched, for `psubscribe` streams.
    public let pattern: String?
    public let payload: ByteBuffer

    public var string: String { String(buffer: payload) }

    init?(_ value: RESPValue) {
        guard let items = value.array, let kind = items.first?.string else { return nil }
        switch (kind, items.count) {
        case ("message", 3):
            guard let channel = items[1].string, let payload = items[2].bytes else { return nil }
            (self.channel, self.pattern, self.payload) = (channel, nil, payload)
        case ("pmessage", 4):
            guard let pattern = items[1].string, let channel = items[2].string, let payload = items[3].bytes
            else { return nil }
            (self.channel, self.pattern, self.payload) = (channel, pattern, payload)
        default:
            return nil
        }
    }
}

extension RESPValue {
    /// RESP2 has no push type: on a subscriber connection, published messages are arrays
    /// tagged by their first element, while (un)subscribe confirmations are ordinary replies.
    var isPubSubMessage: Bool {
        guard case .array(let items) = self, let kind = items.first?.string else { return false }
        return kind == "message" || kind == "pmessage"
    }
}

extension RedisCommandSender {
    /// Returns the number of subscribers that received the message.
    @discardableResult
    public func publish(channel: String, message: some RESPArgConvertible) async throws -> Int {
        try await send("PUBLISH", channel, message).int ?? 0
    }
}

extension RedisClient {
    /// Subscribes on a connection of its own and returns once Redis confirmed every channel, so
    /// a message published after this returns is delivered. If the connection drops, the stream
    /// stays open and resubscribes with backoff (messages published meanwhile are lost: Pub/Sub is
    /// at-most-once). Ending the iteration unsubscribes; client shutdown finishes the stream.
    public func subscribe(channels: [String]) async throws -> AsyncThrowingStream<RedisPubSubMessage, any Error> {
        try await subscription(command: "SUBSCRIBE", names: channels)
    }

    /// Hands every message on `channels` to `handle` until the task is cancelled: the service loop of a
    /// listener. A subscription that cannot be made (Redis away at start) or whose stream ends is made
    /// again, with backoff up to 5 s, warning once per outage; a dropped connection is already
    /// resubscribed inside the stream.
    public func listen(to channels: [String], _ handle: (RedisPubSubMessage) async -> Void) async {
        var delay = Duration.milliseconds(200)
        var warned = false
        while !Task.isCancelled, !isShutdown {
            do {
                let messages = try await self.subscribe(channels: channels)
                (delay, warned) = (.milliseconds(200), false)
                for try await message in messages { await handle(message) }
            } catch {
                if Task.isCancelled { return }
                if !warned {
                    logger.warning("Redis subscription failed; retrying", metadata: ["redis.channels": "\(channels)", "error": "\(error)"])
                }
                warned = true
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// Like `subscribe(channels:)` for glob patterns (`orders.*`).
    public func psubscribe(patterns: [String]) async throws -> AsyncThrowingStream<RedisPubSubMessage, any Error> {
        try await subscription(command: "PSUBSCRIBE", names: patterns)
    }

    private func subscription(
        command: String, names: [String]
    ) async throws -> AsyncThrowingStream<RedisPubSubMessage, any Error> {
        guard !names.isEmpty else { throw RedisError.unexpectedReply("\(command) needs at least one name") }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: RedisPubSubMessage.self)
        let onPush: @Sendable (RESPValue) -> Void = { value in
            if let message = RedisPubSubMessage(value) { continuation.yield(message) }
        }
        let first = try await openSubscriber(command: command, names: names, onPush: onPush)
        // The stream outlives this call, so something must own the reconnect loop; the task's
        // lifetime is bound to the stream (cancelled on termination) and to the client's shutdown.
        let task = Task {
            await self.keepSubscribed(first, command: command, names: names, onPush: onPush)
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func openSubscriber(
        command: String, names: [String], onPush: @escaping @Sendable (RESPValue) -> Void
    ) async throws -> (id: Int, connection: RedisConnection) {
        let (id, connection) = try await openRegisteredConnection(onPush: onPush)
        do {
            let command = [RESPArg(command)] + names.map { RESPArg($0) }
            for reply in try await connection.execute([command], replies: names.count) {
                try reply.throwIfError()
            }
            return (id, connection)
        } catch {
            release(id: id, connection)
            throw error is RedisConnection.NotSent ? RedisError.connectionClosed : error
        }
    }

    private func keepSubscribed(
        _ first: (id: Int, connection: RedisConnection), command: String, names: [String],
        onPush: @escaping @Sendable (RESPValue) -> Void
    ) async {
        var current = first
        while true {
            let connection = current.connection
            await withTaskCancellationHandler {
                try? await connection.closeFuture.get()
            } onCancel: {
                connection.closeNow()
            }
            release(id: current.id, connection)
            guard !Task.isCancelled, !isShutdown else { return }
            logger.warning("Redis Pub/Sub connection lost, resubscribing", metadata: ["redis.channels": "\(names)"])
            var delay = Duration.milliseconds(50)
            while true {
                do {
                    current = try await openSubscriber(command: command, names: names, onPush: onPush)
                    break
                } catch {
                    if Task.isCancelled || isShutdown { return }
                    logger.debug("Redis resubscribe failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(2))
                }
            }
        }
    }
}
