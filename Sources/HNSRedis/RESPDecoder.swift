import NIOCore

/// Incremental RESP2 parser. Array headers and finished elements are consumed as soon as they
/// are complete and kept on a stack of open arrays, so a huge reply arriving in many reads is
/// parsed in linear time instead of being re-scanned from its first byte after every read.
public struct RESPParser: Sendable {
    public static let defaultMaxDepth = 32
    /// Redis itself refuses bulk strings over 512 MB (`proto-max-bulk-len`).
    public static let defaultMaxBulkLength = 512 * 1024 * 1024
    /// A type line (`+OK`, `$5`, …) longer than this without CRLF is garbage, not a slow network.
    static let maxLineLength = 64 * 1024

    public let maxDepth: Int
    public let maxBulkLength: Int

    private struct OpenArray: Sendable {
        var remaining: Int
        var items: [RESPValue]
    }

    private enum Token {
        case value(RESPValue)
        case arrayHeader(count: Int)
    }

    private var open: [OpenArray] = []

    public init(maxDepth: Int = defaultMaxDepth, maxBulkLength: Int = defaultMaxBulkLength) {
        self.maxDepth = maxDepth
        self.maxBulkLength = maxBulkLength
    }

    /// Returns the next complete reply, or nil if `buffer` does not hold one yet. Bytes of a
    /// partially received array may be consumed; they are remembered for the next call.
    public mutating func next(from buffer: inout ByteBuffer) throws(RedisError) -> RESPValue? {
        tokens: while let token = try readToken(from: &buffer) {
            var value: RESPValue
            switch token {
            case .value(let v):
                value = v
            case .arrayHeader(let count):
                guard open.count < maxDepth else {
                    throw .protocolError("reply nested deeper than \(maxDepth) levels")
                }
                var items: [RESPValue] = []
                // The count is untrusted: reserve a bounded amount and let the array grow.
                items.reserveCapacity(min(count, 4096))
                open.append(OpenArray(remaining: count, items: items))
                continue tokens
            }
            while let top = open.indices.last {
                open[top].items.append(value)
                open[top].remaining -= 1
                if open[top].remaining > 0 { continue tokens }
                value = .array(open.removeLast().items)
            }
            return value
        }
        return nil
    }

    private func readToken(from buffer: inout ByteBuffer) throws(RedisError) -> Token? {
        let start = buffer.readerIndex
        guard let type = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        guard let lineEnd = Self.firstCRLF(in: buffer, from: start + 1) else {
            if buffer.readableBytes > Self.maxLineLength { throw .protocolError("line too long") }
            return nil
        }
        let line = buffer.getString(at: start + 1, length: lineEnd - start - 1) ?? ""
        let bodyStart = lineEnd + 2
        switch type {
        case UInt8(ascii: "+"):
            buffer.moveReaderIndex(to: bodyStart)
            return .value(.simpleString(line))
        case UInt8(ascii: "-"):
            buffer.moveReaderIndex(to: bodyStart)
            return .value(.error(line))
        case UInt8(ascii: ":"):
            guard let int = Int(line) else { throw .protocolError("invalid integer \(line.debugDescription)") }
            buffer.moveReaderIndex(to: bodyStart)
            return .value(.integer(int))
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maxBulkLength else {
                throw .protocolError("invalid bulk length \(line.debugDescription)")
            }
            if length == -1 {
                buffer.moveReaderIndex(to: bodyStart)
                return .value(.null)
            }
            guard buffer.writerIndex - bodyStart >= length + 2 else { return nil }
            guard buffer.getInteger(at: bodyStart + length, as: UInt16.self) == 0x0D0A else {
                throw .protocolError("bulk string not terminated by CRLF")
            }
            let body = buffer.getSlice(at: bodyStart, length: length)!
            buffer.moveReaderIndex(to: bodyStart + length + 2)
            return .value(.bulkString(body))
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1 else {
                throw .protocolError("invalid array length \(line.debugDescription)")
            }
            buffer.moveReaderIndex(to: bodyStart)
            switch count {
            case -1: return .value(.null)
            case 0: return .value(.array([]))
            default: return .arrayHeader(count: count)
            }
        default:
            throw .protocolError("unknown reply type byte \(type)")
        }
    }

    /// Absolute index of the first CRLF at or after `index`, if the buffer holds one.
    private static func firstCRLF(in buffer: ByteBuffer, from index: Int) -> Int? {
        let bytes = buffer.readableBytesView
        var searchFrom = index
        while searchFrom < bytes.endIndex, let cr = bytes[searchFrom...].firstIndex(of: 0x0D) {
            guard cr + 1 < bytes.endIndex else { return nil }
            if bytes[cr + 1] == 0x0A { return cr }
            searchFrom = cr + 1
        }
        return nil
    }
}

/// `ByteToMessageDecoder` that turns the byte stream from Redis into `RESPValue`s.
public struct RESPDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPValue

    private var parser: RESPParser

    public init(maxDepth: Int = RESPParser.defaultMaxDepth) {
        parser = RESPParser(maxDepth: maxDepth)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
