import AsyncHTTPClient
import Foundation
import HNSCore
import HNSRedis
import HNSTestSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
import WaitingRoom

@Suite struct LiveUpdateTests {
    @Test func your_turn_reaches_the_socket_whichever_instance_holds_it() async throws {
        try await QueueHarness.with(instances: 2) { h in
            try await h.openQueue("7025", perMinute: 60, windows: 10)
            let a = try await h.joinOK("7025", user: "ws-a")
            let b = try await h.joinOK("7025", user: "ws-b", url: h.urls[1])
            // one socket on each instance; a sends its ticket as the first message, b in a header
            let onFirst = SocketProbe.connect(h.urls[0] + "/v1/queues/7025/ws", ticket: a.ticket)
            let onSecond = SocketProbe.connect(h.urls[1] + "/v1/queues/7025/ws", ticket: b.ticket, inHeader: true)
            // Position 2, or already 1 when a's turn came before this socket was up (a loaded machine).
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    onSecond.all.contains { $0["type"] == .string("position") && [1, 2].contains($0["position"]?.intValue ?? 0) }
                }, "got \(onSecond.all)")
            // At least once each: a turn granted while a socket is being set up may reach it both as its
            // first status and as the live message (same token; the app takes either).
            #expect(
                try await eventually(timeout: .seconds(30)) { onFirst.count(type: "your_turn") >= 1 && onSecond.count(type: "your_turn") >= 1 },
                "first: \(onFirst.all), second: \(onSecond.all)")
            let turn = try #require(onSecond.all.first { $0["type"] == .string("your_turn") })
            #expect(turn["purchase_token"]?.stringValue?.isEmpty == false)
            #expect(turn["window_ends_at"]?.stringValue != nil)
            // while waiting, b heard its position move from 2 to 1
            #expect(onSecond.all.contains { $0["position"]?.intValue == 1 } || onSecond.all.first?["position"]?.intValue == 2)
            await onFirst.close()
            await onSecond.close()
        }
    }

    @Test func waiting_sockets_hear_at_least_every_heartbeat_and_a_second_socket_replaces_the_first() async throws {
        try await QueueHarness.with(instances: 2) { h in
            try await h.openQueue("7003", state: "paused", perMinute: 60, windows: 10)
            try await h.redis.send(["HSET", RESPArg(h.key("7003", "config")), "drawn", "1"])
            let fan = try await h.joinOK("7003", user: "beat")
            let first = SocketProbe.connect(h.urls[0] + "/v1/queues/7003/ws", ticket: fan.ticket)
            #expect(try await eventually { first.count(type: "position") >= 1 })
            // heartbeat 1 s in tests: in 3.5 s at least three messages, although nothing moved
            try await Task.sleep(for: .milliseconds(3500))
            #expect(first.count(type: "position") >= 3)
            #expect(first.last?["state"] == .string("paused"))
            // the same fan on another instance: the first socket is told and closed
            let second = SocketProbe.connect(h.urls[1] + "/v1/queues/7003/ws", ticket: fan.ticket)
            #expect(try await eventually { first.count(type: "replaced") == 1 })
            #expect(try await eventually { first.closed.withLock { $0 } })
            #expect(try await eventually { second.count(type: "position") >= 1 })
            #expect(second.last?["position"]?.intValue == 1)
            await second.close()
        }
    }

    @Test func a_socket_that_does_not_answer_pings_is_dropped_and_one_that_does_stays() async throws {
        try await QueueHarness.with(configure: { $0.pingInterval = .milliseconds(300) }) { h in
            try await h.openQueue("7014", state: "paused")
            try await h.redis.send(["HSET", RESPArg(h.key("7014", "config")), "drawn", "1"])
            let live = try await h.joinOK("7014", user: "live")
            let dead = try await h.joinOK("7014", user: "dead")
            let answering = SocketProbe.connect(h.url + "/v1/queues/7014/ws", ticket: live.ticket, inHeader: true)
            // A client that upgrades and then never reads or answers anything.
            let silent = try await SilentSocket.open(h.url, path: "/v1/queues/7014/ws", ticket: dead.ticket)
            #expect(try await eventually { silent.received.withLock { $0.contains("101") } })
            #expect(try await eventually(timeout: .seconds(10)) { silent.closed.withLock { $0 } }, "a silent socket outlived the ping check")
            // The socket whose client answers pings is still served.
            let before = answering.count(type: "position")
            try await Task.sleep(for: .seconds(1.5))
            #expect(!answering.closed.withLock { $0 })
            #expect(answering.count(type: "position") > before)
            await answering.close()
        }
    }

    @Test func a_stopping_instance_tells_its_sockets_to_reconnect() async throws {
        let redisURL = try await RedisTestServer.sharedURL()
        let prefix = "test:" + String(UUID().uuidString.prefix(8)).lowercased() + ":"
        try await RedisTestServer.withClient(url: redisURL) { redis in
            let port = try await ChildProcess.freePort()
            let config = try QueueHarness.configuration(redisURL: redisURL, port: port, prefix: prefix, instance: "stopping")
            let app = await QueueApp.build(configuration: config, logger: QueueHarness.logger())
            let socket = try await withRunningService(app, port: port) { () -> SocketProbe in
                let h = QueueHarness(urls: ["http://127.0.0.1:\(port)"], redis: redis, prefix: prefix)
                try await h.openQueue("7021", state: "paused")
                let fan = try await h.joinOK("7021", user: "stop")
                let socket = SocketProbe.connect(h.url + "/v1/queues/7021/ws", ticket: fan.ticket)
                #expect(try await eventually { !socket.all.isEmpty })
                return socket
            }
            // The instance has stopped gracefully: its socket was told to reconnect, then closed.
            #expect(try await eventually { socket.closed.withLock { $0 } })
            #expect(socket.last?["type"] == .string("reconnect"), "got \(socket.all)")
        }
    }

    @Test func reconnecting_keeps_the_place_and_a_bad_ticket_is_refused() async throws {
        try await QueueHarness.with(instances: 2) { h in
            try await h.openQueue("7016", state: "paused")
            try await h.redis.send(["HSET", RESPArg(h.key("7016", "config")), "drawn", "1"])
            for i in 0..<3 { _ = try await h.joinOK("7016", user: "before-\(i)") }
            let fan = try await h.joinOK("7016", user: "me")
            let socket = SocketProbe.connect(h.urls[0] + "/v1/queues/7016/ws", ticket: fan.ticket)
            #expect(try await eventually { socket.last?["position"]?.intValue == 4 })
            await socket.close()
            _ = try await h.joinOK("7016", user: "after")
            let again = SocketProbe.connect(h.urls[1] + "/v1/queues/7016/ws", ticket: fan.ticket)
            #expect(try await eventually { again.last?["position"]?.intValue == 4 })
            await again.close()
            // A forged ticket as the first message: an error message, then the socket closes.
            let bad = SocketProbe.connect(h.urls[0] + "/v1/queues/7016/ws", ticket: "v1.AAAA.BBBB")
            // Generous: on a loaded 2-core CI machine the whole suite runs in parallel.
            #expect(try await eventually(timeout: .seconds(45)) { bad.closed.withLock { $0 } }, "got \(bad.all)")
            #expect(bad.all.first?["type"] == .string("error"))
            #expect(bad.all.first?["status"]?.intValue == 401)
            #expect(bad.all.count == 1)
            // In a header: the upgrade itself is refused.
            var request = HTTPClientRequest(url: h.urls[0] + "/v1/queues/7016/ws")
            for (name, value) in [
                ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("X-Queue-Ticket", "v1.AAAA.BBBB"),
            ] {
                request.headers.add(name: name, value: value)
            }
            let refused = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(refused.status.code == 400)
        }
    }

    @Test func server_sent_events_carry_the_same_messages() async throws {
        try await QueueHarness.with { h in
            try await h.openQueue("7020", perMinute: 60, windows: 10)
            let head = try await h.joinOK("7020", user: "sse-head")
            let fan = try await h.joinOK("7020", user: "sse")
            _ = head
            var request = HTTPClientRequest(url: h.url + "/v1/queues/7020/events")
            request.headers.add(name: "X-Queue-Ticket", value: fan.ticket)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "content-type") == "text/event-stream")
            let text = try await withDeadline(.seconds(15)) {
                var text = ""
                for try await chunk in response.body {
                    text += String(buffer: chunk)
                    if text.contains("your_turn") { break }
                }
                return text
            }
            let events = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
            // Position 2, or already 1 when the head's turn came before this stream was up (a loaded machine).
            #expect(events.first?.contains(#""position":2"#) == true || events.first?.contains(#""position":1"#) == true, "\(text)")
            #expect(text.contains(#""type":"your_turn""#))
        }
    }
}

/// A raw TCP client that performs the WebSocket upgrade and then ignores everything, pings included.
final class SilentSocket: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let received = Mutex("")
    let closed = Mutex(false)

    static func open(_ base: String, path: String, ticket: String) async throws -> SilentSocket {
        let url = URL(string: base)!
        let socket = SilentSocket()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(socket) } }
            .connect(host: url.host!, port: url.port!).get()
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(url.host!)\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Queue-Ticket: \(ticket)\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return socket
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data)
        self.received.withLock { $0 += String(decoding: bytes.readableBytesView.prefix(64), as: UTF8.self) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closed.withLock { $0 = true }
    }
}
