import HNSRedis
import NIOCore
import Testing

/// The codec on raw bytes, no server involved.
@Suite struct RESPCodecTests {
    /// Every reply type, a bulk string containing CRLF, both nulls and a nested array.
    static let wire = Array(
        ("+OK\r\n-WRONGTYPE Operation against a key\r\n:-42\r\n$12\r\nline1\r\nline2\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
            + "*3\r\n*2\r\n:1\r\n$3\r\nabc\r\n*0\r\n$-1\r\n").utf8)

    static let expected: [RESPValue] = [
        .simpleString("OK"),
        .error("WRONGTYPE Operation against a key"),
        .integer(-42),
        .bulkString(ByteBuffer(string: "line1\r\nline2")),
        .bulkString(ByteBuffer()),
        .null,
        .null,
        .array([]),
        .array([.array([.integer(1), .bulkString(ByteBuffer(string: "abc"))]), .array([]), .null]),
    ]

    private func drain(_ parser: inout RESPParser, _ buffer: inout ByteBuffer) throws -> [RESPValue] {
        var values: [RESPValue] = []
        while let value = try parser.next(from: &buffer) { values.append(value) }
        return values
    }

    @Test func parses_every_reply_type() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(bytes: Self.wire)
        #expect(try drain(&parser, &buffer) == Self.expected)
        #expect(buffer.readableBytes == 0)
    }

    @Test func partial_reads_split_at_every_byte_position() throws {
        for split in 0...Self.wire.count {
            var parser = RESPParser()
            var buffer = ByteBuffer(bytes: Self.wire[..<split])
            var values = try drain(&parser, &buffer)
            buffer.writeBytes(Self.wire[split...])
            values += try drain(&parser, &buffer)
            #expect(values == Self.expected, "split at byte \(split)")
        }
    }

    @Test func byte_by_byte_with_compaction_between_reads() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        for byte in Self.wire {
            buffer.writeInteger(byte)
            values += try drain(&parser, &buffer)
            buffer.discardReadBytes()  // ByteToMessageHandler may do this between reads
        }
        #expect(values == Self.expected)
    }

    @Test func huge_array_is_consumed_incrementally() throws {
        let count = 20_000
        var wire = "*\(count)\r\n"
        for i in 0..<count { wire += "$\(String(i).utf8.count)\r\n\(i)\r\n" }
        let bytes = Array(wire.utf8)
        var parser = RESPParser()
        var buffer = ByteBuffer(bytes: bytes[..<(bytes.count / 2)])
        #expect(try parser.next(from: &buffer) == nil)
        // Finished elements are taken out of the buffer instead of being re-parsed next time.
        #expect(buffer.readableBytes < 16)
        buffer.writeBytes(bytes[(bytes.count / 2)...])
        let value = try #require(try parser.next(from: &buffer))
        #expect(value.array?.count == count)
        #expect(value.array?.last?.int == count - 1)
    }

    @Test func nesting_is_capped() throws {
        let nested = { (depth: Int) in
            ByteBuffer(string: String(repeating: "*1\r\n", count: depth) + ":7\r\n")
        }
        var parser = RESPParser(maxDepth: 4)
        var ok = nested(4)
        #expect(try parser.next(from: &ok) == .array([.array([.array([.array([.integer(7)])])])]))

        var tooDeep = nested(5)
        #expect(throws: RedisError.protocolError("reply nested deeper than 4 levels")) {
            var parser = RESPParser(maxDepth: 4)
            _ = try parser.next(from: &tooDeep)
        }
    }

    @Test(arguments: ["?oops\r\n", ":12x\r\n", "$3\r\nabcXY", "$-2\r\n", "*-5\r\n", "$999999999999\r\n"])
    func malformed_input_is_a_protocol_error(_ wire: String) {
        var buffer = ByteBuffer(string: wire)
        var parser = RESPParser()
        #expect {
            _ = try parser.next(from: &buffer)
        } throws: { error in
            guard case .protocolError = error as? RedisError else { return false }
            return true
        }
    }

    @Test func encoder_writes_binary_safe_bulk_strings() throws {
        var buffer = ByteBuffer()
        let binary = ByteBuffer(bytes: [0x00, 0xFF, 0x0D, 0x0A])
        RESPEncoder.encode(["SET", "k\r\ney", "", RESPArg(binary), RESPArg(-12), RESPArg(2.5)], into: &buffer)
        let expected =
            Array("*6\r\n$3\r\nSET\r\n$5\r\nk\r\ney\r\n$0\r\n\r\n$4\r\n".utf8) + [0x00, 0xFF, 0x0D, 0x0A]
            + Array("\r\n$3\r\n-12\r\n$3\r\n2.5\r\n".utf8)
        #expect(Array(buffer.readableBytesView) == expected)
        // A command is itself a valid RESP array of bulk strings.
        var parser = RESPParser()
        let parsed = try #require(try parser.next(from: &buffer))
        #expect(parsed.array?[3] == .bulkString(binary))
        #expect(parsed.array?[1].string == "k\r\ney")
        #expect(buffer.readableBytes == 0)
    }

    @Test func value_accessors() throws {
        #expect(RESPValue.bulkString(ByteBuffer(string: "17")).int == 17)
        #expect(RESPValue.bulkString(ByteBuffer(string: "inf")).double == .infinity)
        #expect(RESPValue.integer(3).string == "3")
        #expect(RESPValue.null.isNull && RESPValue.null.string == nil)
        #expect(RESPValue.array([.integer(1)]).array == [.integer(1)])
        #expect(RESPValue.simpleString("OK").array == nil)
        #expect(throws: RedisError.server(code: "NOSCRIPT", message: "No matching script.")) {
            try RESPValue.error("NOSCRIPT No matching script.").throwIfError()
        }
        #expect(try RESPValue.integer(1).throwIfError() == .integer(1))
    }
}
