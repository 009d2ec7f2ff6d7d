import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// A request the HTTP parser cannot read (garbage, a head larger than the parser reads) is answered
/// with a problem like every other refusal, 400 `bad-request` as `application/problem+json`, and
/// its connection closed — Hummingbird and NIO would answer a bare 400 without a body. An error
/// while an answer is still being written just closes the connection (the client broke it).
/// The close lingers (as web servers do): what the client still sends is read and dropped for a
/// moment, since closing with unread bytes would reset the connection and could destroy the answer
/// before the client reads it. `ParserErrorAnswer` sits behind Hummingbird's HTTP types codec;
/// `ParserErrorAnswerHTTP1` where a pipeline speaks NIO's HTTP/1 parts (the waiting room's
/// upgradable pipeline, which removes it when a connection becomes a WebSocket).
public final class ParserErrorAnswering<Parts: HTTPServerParts>: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = Parts.Request
    public typealias InboundOut = Parts.Request
    public typealias OutboundIn = Parts.Response
    public typealias OutboundOut = Parts.Response

    private var answering = false
    private var done = false

    public init() {}

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Parts.kind(self.unwrapOutboundIn(data)) {
        case .head: self.answering = true
        case .end: self.answering = false
        case .body: break
        }
        context.write(data, promise: promise)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.done { context.fireChannelRead(data) }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !self.done else { return }  // e.g. the decoder's "data received in error state" while lingering
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        self.done = true
        guard !self.answering else { return context.close(promise: nil) }
        let body = Problem(.badRequest, detail: Self.detail(parserError)).jsonBytes()
        let parts = Parts.badRequest(body: context.channel.allocator.buffer(bytes: body))
        for part in parts.dropLast() { context.write(self.wrapOutboundOut(part), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(self.wrapOutboundOut(parts.last!), promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(mode: .output, promise: nil) }
        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    static func detail(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: "The request's head is larger than this server reads."
        case .invalidURL: "The request's target is not a valid URL."
        default: "The request is not valid HTTP/1.1."
        }
    }
}

public typealias ParserErrorAnswer = ParserErrorAnswering<HTTPTypesParts>
public typealias ParserErrorAnswerHTTP1 = ParserErrorAnswering<HTTP1Parts>

public enum HTTPPartKind { case head, body, end }

/// The request and response parts of one HTTP representation, as `ParserErrorAnswering` needs them.
public protocol HTTPServerParts {
    associatedtype Request
    associatedtype Response
    static func kind(_ part: Response) -> HTTPPartKind
    /// A complete 400 problem answer that closes the connection.
    static func badRequest(body: ByteBuffer) -> [Response]
}

/// Swift HTTP Types' parts (Hummingbird).
public enum HTTPTypesParts: HTTPServerParts {
    public typealias Request = HTTPRequestPart
    public typealias Response = HTTPResponsePart

    public static func kind(_ part: HTTPResponsePart) -> HTTPPartKind {
        switch part {
        case .head: .head
        case .body: .body
        case .end: .end
        }
    }

    public static func badRequest(body: ByteBuffer) -> [HTTPResponsePart] {
        var head = HTTPResponse(status: .badRequest)
        head.headerFields = [.contentType: "application/problem+json", .contentLength: String(body.readableBytes), .connection: "close"]
        return [.head(head), .body(body), .end(nil)]
    }
}

/// NIO's HTTP/1 parts.
public enum HTTP1Parts: HTTPServerParts {
    public typealias Request = HTTPServerRequestPart
    public typealias Response = HTTPServerResponsePart

    public static func kind(_ part: HTTPServerResponsePart) -> HTTPPartKind {
        switch part {
        case .head: .head
        case .body: .body
        case .end: .end
        }
    }

    public static func badRequest(body: ByteBuffer) -> [HTTPServerResponsePart] {
        let headers: HTTPHeaders = ["Content-Type": "application/problem+json", "Content-Length": String(body.readableBytes), "Connection": "close"]
        return [.head(.init(version: .http1_1, status: .badRequest, headers: headers)), .body(.byteBuffer(body)), .end(nil)]
    }
}
