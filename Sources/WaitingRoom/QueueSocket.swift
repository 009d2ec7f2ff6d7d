import Foundation
import HNSCore
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// What a queue WebSocket needs from the rest of the instance.
struct QueueSockets: Sendable {
    let store: QueueStore
    let hub: ConnectionHub
    let fanout: QueueFanout
    let tickets: QueueTicketCodec
    /// A socket not heard from for this long (two ping intervals) is closed.
    let silentAfter: TimeAmount

    /// `GET /v1/queues/{matchId}/ws`: the match, and the ticket if the request carries one (header,
    /// `Authorization: Bearer v1.…` or `?ticket=`). nil: not a queue socket, or a bad ticket with the
    /// request — the upgrade is refused (400) and nothing is written to a socket that was never ours.
    func accept(_ head: HTTPRequestHead) -> (match: String, ticket: String?)? {
        let uri = URI(head.uri)
        let parts = uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "v1", parts[2] == "queues", parts[4] == "ws",
            QueueRoutes.isMatchID(parts[3])
        else { return nil }
        let match = String(parts[3])
        let ticket = QueueRoutes.ticketText(
            header: head.headers.first(name: "X-Queue-Ticket"), authorization: head.headers.first(name: "Authorization"),
            query: uri.queryParameters.get("ticket"))
        if let ticket, (try? self.tickets.decode(ticket, match: match)) == nil { return nil }
        return (match, ticket)
    }
}

/// One queue WebSocket, entirely in NIO: no task lives for the connection, so a waiting fan costs
/// its channel, this handler and its hub entry. Every mutable field is touched on the channel's
/// event loop only; `deliver` and `close` hop there.
final class QueueSocketHandler: ChannelInboundHandler, QueueSink, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let sockets: QueueSockets
    private let match: String
    private let headerTicket: String?
    private let eventLoop: any EventLoop
    private var channel: (any Channel)?
    private var subscriber: QueueSubscriber?
    private var awaitingTicket: Scheduled<Void>?
    /// The newest message not yet written because the socket was not writable.
    private var pending: String?
    private var closing = false
    private var lastHeard = NIODeadline.now()

    init(sockets: QueueSockets, match: String, ticket: String?, eventLoop: any EventLoop) {
        self.sockets = sockets
        self.match = match
        self.headerTicket = ticket
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.channel = context.channel
        self.lastHeard = .now()
        if let ticket = self.headerTicket {
            self.start(ticket: ticket)
        } else {
            // The ticket may come as the first message; none within 10 s: close.
            self.awaitingTicket = context.eventLoop.scheduleTask(in: .seconds(10)) { [self] in
                self.closeNow(code: .policyViolation, text: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        self.lastHeard = .now()
        switch frame.opcode {
        case .text where frame.fin:
            let text = String(buffer: frame.unmaskedData)
            if self.subscriber == nil, self.awaitingTicket != nil {
                self.awaitingTicket?.cancel()
                self.awaitingTicket = nil
                self.start(ticket: Self.ticket(inFirstMessage: text))
            } else if let subscriber = self.subscriber, text.contains("\"leave\"") {
                let (store, hub, match) = (self.sockets.store, self.sockets.hub, self.match)
                Task {
                    _ = try? await store.leave(match, queueID: subscriber.queueID)
                    hub.unregister(subscriber, message: #"{"type":"not_in_queue","reason":"left"}"#)
                }
            }
        case .ping:
            var data = frame.unmaskedData
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: data.readSlice(length: data.readableBytes) ?? ByteBuffer())
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            // Echo the close and end the connection.
            self.closeNow(code: .normalClosure, text: nil)
        default:
            break  // pongs only refresh lastHeard; binary and fragmented messages mean nothing here
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let text = self.pending {
            self.pending = nil
            self.write(text)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.awaitingTicket?.cancel()
        self.closing = true
        if let subscriber = self.subscriber { self.sockets.hub.unregister(subscriber) }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // This instance is stopping: the client reconnects, to any instance, and keeps its place.
            self.closeNow(code: .goingAway, text: QueueRoutes.reconnect)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: QueueSink

    func deliver(_ text: String) {
        self.onLoop { handler in
            // A socket that cannot take more keeps only the newest message (positions supersede each other).
            if handler.channel?.isWritable == false { handler.pending = text } else { handler.write(text) }
        }
    }

    func close(after text: String?) {
        self.onLoop { $0.closeNow(code: .normalClosure, text: text) }
    }

    /// Pings the client, or closes a socket that has not been heard from for two intervals.
    func heartbeat() {
        self.onLoop { handler in
            guard !handler.closing, let channel = handler.channel else { return }
            if NIODeadline.now() - handler.lastHeard > handler.sockets.silentAfter {
                handler.closing = true
                channel.close(promise: nil)
            } else {
                channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer()), promise: nil)
            }
        }
    }

    // MARK: Private

    private func onLoop(_ body: @escaping @Sendable (QueueSocketHandler) -> Void) {
        if self.eventLoop.inEventLoop { body(self) } else { self.eventLoop.execute { body(self) } }
    }

    private func start(ticket text: String) {
        let ticket: QueueTicket
        do { ticket = try self.sockets.tickets.decode(text, match: self.match) } catch {
            let detail = error.problem.detail ?? "invalid queue ticket"
            self.closeNow(code: .policyViolation, text: #"{"type":"error","status":401,"detail":"\#(detail)"}"#)
            return
        }
        let subscriber = self.sockets.hub.register(matchID: self.match, queueID: ticket.queueID, sink: self)
        self.subscriber = subscriber
        // Two Redis round trips when the socket opens; a short task, not one for the connection's life.
        let (store, hub, fanout, match) = (self.sockets.store, self.sockets.hub, self.sockets.fanout, self.match)
        Task {
            await fanout.claim(subscriber)
            do {
                let first = try await store.status(match, queueID: ticket.queueID)
                if case .gone = first { hub.unregister(subscriber, message: first.json) } else { subscriber.send(first.json) }
            } catch {
                hub.unregister(subscriber, message: QueueRoutes.reconnect)
            }
        }
    }

    private func write(_ text: String) {
        guard !self.closing, let channel = self.channel else { return }
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)), promise: nil)
    }

    private func closeNow(code: WebSocketErrorCode, text: String?) {
        guard !self.closing, let channel = self.channel else { return }
        self.closing = true
        self.awaitingTicket?.cancel()
        if let text {
            channel.write(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)), promise: nil)
        }
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// `{"queue_ticket": "..."}`, `{"ticket": "..."}` or the bare ticket.
    static func ticket(inFirstMessage text: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return text }
        return (object["queue_ticket"] as? String) ?? (object["ticket"] as? String) ?? ""
    }
}

/// hns-queue's connections: plain HTTP goes to the router; an upgrade to a queue WebSocket gets a
/// `QueueSocketHandler` and the connection's task ends at once (Hummingbird's own WebSocket channel
/// keeps several tasks per socket, about 40 KiB each socket at 20,000 sockets).
struct QueueServerChannel: ServerChildChannel, HTTPChannelHandler {
    enum Upgrade: Sendable {
        case websocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let sockets: QueueSockets
    /// Its idle timeout also bounds the wait for the first request head, before the upgrade is decided.
    var http1 = HTTP1Channel.Configuration()
    /// Positions and tickets are small; a bigger frame is a protocol error.
    var maxFrameSize = 8 * 1024

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let attempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            // The ticket is checked once, when the upgrade is decided; the handler gets that result.
            let accepted = NIOLoopBoundBox<(match: String, ticket: String?)?>(nil, eventLoop: channel.eventLoop)
            let sockets = self.sockets
            let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: self.maxFrameSize,
                shouldUpgrade: { channel, head in
                    attempted.value = true
                    accepted.value = sockets.accept(head)
                    return channel.eventLoop.makeSucceededFuture(accepted.value == nil ? nil : HTTPHeaders())
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let accepted = accepted.value else { throw ChannelError.inputClosed }
                        // HTTP is over: frames, not HTTP parts, pass from here on.
                        let parserErrors = try channel.pipeline.syncOperations.context(handlerType: ParserErrorAnswerHTTP1.self)
                        channel.pipeline.syncOperations.removeHandler(context: parserErrors, promise: nil)
                        try channel.pipeline.syncOperations.addHandler(
                            QueueSocketHandler(sockets: sockets, match: accepted.match, ticket: accepted.ticket, eventLoop: channel.eventLoop))
                        return Upgrade.websocket
                    }
                }
            )
            let http1 = self.http1
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return attempted.value ? Upgrade.refused(asyncChannel) : Upgrade.notUpgraded(asyncChannel)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Upgrade>(upgradeConfiguration: upgrade)
            configuration.enablePipelining = false
            // A request that cannot be parsed is answered 400 (a problem) and its connection closed.
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            try channel.pipeline.syncOperations.addHandler(ParserErrorAnswerHTTP1())
            // Until the first request head is complete nothing else watches the connection: a client
            // that trickles it (or sends nothing) is closed at the idle timeout.
            if let timeout = self.http1.idleTimeout {
                let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                result.whenComplete { _ in deadline.cancel() }
            }
            return Value(upgrade: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .websocket:
                return  // the socket lives on in its handler
            case .notUpgraded(let http):
                await self.handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http):
                try await http.executeThenClose { _, outbound in
                    let head = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
                    try await outbound.write(contentsOf: [.head(head), .end(nil)])
                }
            }
        } catch {
            logger.debug("connection ended during the upgrade", metadata: ["error": "\(error)"])
        }
    }
}
