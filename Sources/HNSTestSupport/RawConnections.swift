import Foundation
import HNSCore

#if canImport(Glibc)
    import Glibc
#endif

/// Plain TCP connections to a local port, for tests of what a server does with clients that do not
/// speak HTTP properly: garbage, or a request head sent a byte at a time.
public final class RawConnections: @unchecked Sendable {
    public private(set) var fds: [Int32] = []
    private var closed: Set<Int32> = []

    public init(port: Int, count: Int) throws {
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EMFILE) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else {
                close(fd)
                throw POSIXError(.ECONNREFUSED)
            }
            self.fds.append(fd)
        }
    }

    deinit { self.closeAll() }

    public func closeAll() {
        for fd in self.fds where !self.closed.contains(fd) { close(fd) }
        self.closed = Set(self.fds)
    }

    /// Writes `text` to the connection at `index` (ignoring a connection the server already closed).
    public func send(_ index: Int, _ text: String) {
        var bytes = Array(text.utf8)
        _ = Glibc.send(self.fds[index], &bytes, bytes.count, Int32(MSG_NOSIGNAL))
    }

    /// How many connections the server has closed, reading (and dropping) whatever it answered first.
    public func countClosedByServer() -> Int {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var count = 0
        for fd in self.fds {
            if self.closed.contains(fd) {
                count += 1
                continue
            }
            while true {
                let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if n > 0 { continue }
                if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    close(fd)
                    self.closed.insert(fd)
                    count += 1
                }
                break
            }
        }
        return count
    }

    /// The first bytes the server sent on the connection at `index` (waits up to `timeout`).
    public func firstAnswer(_ index: Int, timeout: Duration = .seconds(5)) -> String {
        var pollfd = pollfd(fd: self.fds[index], events: Int16(POLLIN), revents: 0)
        guard poll(&pollfd, 1, Int32(timeout.seconds * 1000)) > 0 else { return "" }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(self.fds[index], &buffer, buffer.count, Int32(MSG_PEEK))
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }
}

/// Misbehaving clients against a running daemon: `garbage` connections send a line that is not
/// HTTP, `trickling` ones send a request head a byte at a time and never finish it, while a real
/// client keeps calling `probeURL`.
public enum SlowClients {
    public struct Outcome: Sendable {
        /// Misbehaving connections the server closed, and how long it took until the last was.
        public let closed: Int
        public let total: Int
        public let elapsed: Duration
        /// Probes answered 200, of those sent meanwhile.
        public let probesOK: Int
        public let probes: Int
        /// What the first garbage connection was answered (before the close), if anything.
        public let garbageAnswer: String
    }

    public static func run(port: Int, probeURL: String, garbage: Int = 500, trickling: Int = 500, giveUpAfter: Duration) async throws
        -> Outcome
    {
        // One garbage connection alone first, to read what it is answered before the crowd arrives.
        var garbageAnswer = ""
        if garbage > 0 {
            let first = try RawConnections(port: port, count: 1)
            first.send(0, "garbage\r\n\r\n")
            garbageAnswer = first.firstAnswer(0, timeout: .seconds(5))
            first.closeAll()
        }
        let connections = try RawConnections(port: port, count: garbage + trickling)
        defer { connections.closeAll() }
        for i in 0..<garbage { connections.send(i, "garbage\r\n\r\n") }
        for i in garbage..<(garbage + trickling) { connections.send(i, "GET /healthz HTTP/1.1\r\nHost: loc") }
        let start = ContinuousClock.now
        var (probes, probesOK, closed) = (0, 0, 0)
        while ContinuousClock.now - start < giveUpAfter {
            for i in garbage..<(garbage + trickling) { connections.send(i, "a") }
            probes += 1
            if (try? await TestHTTP.get(probeURL))?.status == 200 { probesOK += 1 }
            closed = connections.countClosedByServer()
            if closed == garbage + trickling { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return Outcome(
            closed: closed, total: garbage + trickling, elapsed: ContinuousClock.now - start, probesOK: probesOK, probes: probes,
            garbageAnswer: garbageAnswer)
    }
}
