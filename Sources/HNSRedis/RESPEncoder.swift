import NIOCore

/// Writes commands the way redis-cli does: an array of bulk strings, so any bytes are safe.
public struct RESPEncoder: MessageToByteEncoder {
    public typealias OutboundIn = [RESPArg]

    public init() {}

    public func encode(data: [RESPArg], out: inout ByteBuffer) {
        Self.encode(data, into: &out)
    }

    public static func encode(_ command: [RESPArg], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(command.count)\r\n")
        for arg in command {
            switch arg.storage {
            case .string(let s):
                buffer.writeString("$\(s.utf8.count)\r\n")
                buffer.writeString(s)
            case .bytes(let b):
                buffer.writeString("$\(b.readableBytes)\r\n")
                buffer.writeImmutableBuffer(b)
            }
            buffer.writeStaticString("\r\n")
        }
    }
}
