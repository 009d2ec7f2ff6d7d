import CHNSZlib
import Foundation

/// A ZIP archive written front to back as its entries' bytes arrive, deflated as they go: each
/// entry's sizes and CRC follow its data (a data descriptor), and the central directory closes the
/// archive. Nothing is kept but the entry names, so memory does not grow with the data. Entries
/// and the archive stay below 4 GiB (no ZIP64).
final class ZipStream {
    enum Failure: Error {
        case deflate(Int32)
        case tooLarge
    }

    private struct Entry {
        let name: [UInt8]
        let offset: UInt32
        var crc: UInt = 0
        var compressed: UInt64 = 0
        var size: UInt64 = 0
    }

    /// Bytes written and not yet taken.
    private(set) var output: [UInt8] = []
    private var written: UInt64 = 0
    private var entries: [Entry] = []
    private var current: Entry?
    // zlib keeps a pointer back to its stream, so the stream must not move: it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private let time: UInt16
    private let date: UInt16

    init(level: Int32 = Z_DEFAULT_COMPRESSION, modified: Date = Date()) throws {
        self.stream = .allocate(capacity: 1)
        self.stream.initialize(to: z_stream())
        let rc = deflateInit2_(self.stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            self.stream.deallocate()
            throw Failure.deflate(rc)
        }
        // MS-DOS time and date, in UTC: what every ZIP reader shows as the entries' time.
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: modified)
        self.time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        self.date = UInt16(max(0, (c.year ?? 1980) - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
    }

    deinit {
        deflateEnd(self.stream)
        self.stream.deallocate()
    }

    /// Takes what is ready to send.
    func take() -> [UInt8] {
        defer { self.output.removeAll(keepingCapacity: true) }
        self.written += UInt64(self.output.count)
        return self.output
    }

    func begin(_ name: String) throws {
        if self.current != nil { try self.end() }
        guard self.written + UInt64(self.output.count) < UInt64(UInt32.max) else { throw Failure.tooLarge }
        let entry = Entry(name: Array(name.utf8), offset: UInt32(self.written) + UInt32(self.output.count))
        self.u32(0x0403_4b50)
        self.u16(20)  // version needed: 2.0 (deflate)
        self.u16(0x0808)  // sizes in a data descriptor; names in UTF-8
        self.u16(8)  // deflate
        self.u16(self.time)
        self.u16(self.date)
        self.u32(0)
        self.u32(0)
        self.u32(0)
        self.u16(UInt16(entry.name.count))
        self.u16(0)
        self.append(entry.name)
        self.current = entry
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBufferPointer { try self.deflate($0, finish: false) }
    }

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try self.deflate($0, finish: false) }
    }

    /// Ends the entry begun last: the rest of its data and its descriptor.
    func end() throws {
        guard self.current != nil else { return }
        try self.deflate(UnsafeBufferPointer(start: nil, count: 0), finish: true)
        deflateReset(self.stream)
        guard let entry = self.current else { return }
        guard entry.size < UInt64(UInt32.max), entry.compressed < UInt64(UInt32.max) else { throw Failure.tooLarge }
        self.u32(0x0807_4b50)
        self.u32(UInt32(entry.crc))
        self.u32(UInt32(entry.compressed))
        self.u32(UInt32(entry.size))
        self.entries.append(entry)
        self.current = nil
    }

    /// Ends the last entry and writes the central directory: the archive is complete.
    func finish() throws {
        try self.end()
        let start = self.written + UInt64(self.output.count)
        for entry in self.entries {
            self.u32(0x0201_4b50)
            self.u16(20)
            self.u16(20)
            self.u16(0x0808)
            self.u16(8)
            self.u16(self.time)
            self.u16(self.date)
            self.u32(UInt32(entry.crc))
            self.u32(UInt32(entry.compressed))
            self.u32(UInt32(entry.size))
            self.u16(UInt16(entry.name.count))
            self.u16(0)
            self.u16(0)
            self.u16(0)
            self.u16(0)
            self.u32(0)
            self.u32(entry.offset)
            self.append(entry.name)
        }
        let end = self.written + UInt64(self.output.count)
        guard end < UInt64(UInt32.max), self.entries.count < Int(UInt16.max) else { throw Failure.tooLarge }
        self.u32(0x0605_4b50)
        self.u16(0)
        self.u16(0)
        self.u16(UInt16(self.entries.count))
        self.u16(UInt16(self.entries.count))
        self.u32(UInt32(end - start))
        self.u32(UInt32(start))
        self.u16(0)
    }

    private func deflate(_ input: UnsafeBufferPointer<UInt8>, finish: Bool) throws {
        guard var entry = self.current else { return }
        if let base = input.baseAddress, input.count > 0 {
            entry.crc = crc32(entry.crc, base, uInt(input.count))
            entry.size += UInt64(input.count)
        }
        self.stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        self.stream.pointee.avail_in = uInt(input.count)
        let capacity = self.chunk.count
        var rc: Int32 = Z_OK
        repeat {
            let produced = try self.chunk.withUnsafeMutableBufferPointer { out -> Int in
                self.stream.pointee.next_out = out.baseAddress
                self.stream.pointee.avail_out = uInt(capacity)
                rc = CHNSZlib.deflate(self.stream, finish ? Z_FINISH : Z_NO_FLUSH)
                guard rc != Z_STREAM_ERROR else { throw Failure.deflate(rc) }
                return capacity - Int(self.stream.pointee.avail_out)
            }
            self.output.append(contentsOf: self.chunk[0..<produced])
            entry.compressed += UInt64(produced)
        } while self.stream.pointee.avail_out == 0 || (finish && rc != Z_STREAM_END)
        self.stream.pointee.next_in = nil
        self.current = entry
    }

    private func append(_ bytes: [UInt8]) { self.output.append(contentsOf: bytes) }

    private func u16(_ v: UInt16) {
        self.output.append(UInt8(v & 0xff))
        self.output.append(UInt8(v >> 8))
    }

    private func u32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { self.output.append(UInt8((v >> UInt32(shift)) & 0xff)) }
    }
}
