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
/// before the client reads it.
/// `ParserErrorAnswer` sits behind Hummingbird's HTTP types codec; `ParserErrorAnswerHTTP1` where a
/// pipeline speaks NIO's HTTP/1 parts (the waiting room's upgradable pipeline).
public final class ParserErrorAnswer: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private var answering = false
    private var done = false

    public init() {}

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head: self.answering = true
        case .end: self.answering = false
        case .body: break
        }
        context.write(data, promise: promise)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !self.done else { return }  // e.g. the decoder's "data received in error state" while lingering
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        self.done = true
        if !self.answering {
            let body = ParserErrorProblem.body(parserError)
            var head = HTTPResponse(status: .badRequest)
            head.headerFields = [.contentType: "application/problem+json", .contentLength: String(body.count), .connection: "close"]
            context.write(self.wrapOutboundOut(.head(head)), promise: nil)
            context.write(self.wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: written)
            ParserErrorProblem.closeLingering(context.channel, after: written.futureResult)
        } else {
            context.close(promise: nil)
        }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.done { context.fireChannelRead(data) }
    }
}

/// `ParserErrorAnswer` for a pipeline of NIO's HTTP/1 parts.
public final class ParserErrorAnswerHTTP1: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias InboundOut = HTTPServerRequestPart
    public typealias OutboundIn = HTTPServerResponsePart
    public typealias OutboundOut = HTTPServerResponsePart

    private var answering = false
    private var done = false

    public init() {}

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head: self.answering = true
        case .end: self.answering = false
        case .body: break
        }
        context.write(data, promise: promise)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !self.done else { return }  // e.g. the decoder's "data received in error state" while lingering
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        self.done = true
        if !self.answering {
            let body = ParserErrorProblem.body(parserError)
            let headers: HTTPHeaders = [
                "Content-Type": "application/problem+json", "Content-Length": String(body.count), "Connection": "close",
            ]
            context.write(self.wrapOutboundOut(.head(.init(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: written)
            ParserErrorProblem.closeLingering(context.channel, after: written.futureResult)
        } else {
            context.close(promise: nil)
        }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.done { context.fireChannelRead(data) }
    }
}

enum ParserErrorProblem {
    static func closeLingering(_ channel: any Channel, after written: EventLoopFuture<Void>) {
        written.whenComplete { _ in channel.close(mode: .output, promise: nil) }
        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    static func body(_ error: HTTPParserError) -> [UInt8] {
        let detail =
            switch error {
            case .headerOverflow: "The request's head is larger than this server reads."
            case .invalidURL: "The request's target is not a valid URL."
            default: "The request is not valid HTTP/1.1."
            }
        return Problem(.badRequest, detail: detail).jsonBytes()
    }
}
