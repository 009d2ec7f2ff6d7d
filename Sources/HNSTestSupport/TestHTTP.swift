import AsyncHTTPClient
import Foundation
import HNSCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A plain HTTP client for tests, over real sockets.
public enum TestHTTP {
    public struct Reply: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]
        public var text: String { String(decoding: self.body, as: UTF8.self) }
        public var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(self.body)) }
        public func header(_ name: String) -> String? { self.headers[name.lowercased()] }
    }

    public static func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        // Tests start and stop servers on recycled ports: a pooled keep-alive connection to a server
        // that is gone must never carry the next test's request.
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        // A request that is safe to repeat (GET, or carrying a Msg-Id the server dedupes) is sent again
        // once if the connection drops before any answer: the loaded 2-core CI box sometimes resets one.
        let idempotent = method == "GET" || headers.keys.contains { $0.lowercased() == "msg-id" }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(timeout.milliseconds))
        } catch let error as NIOConnectionError where idempotent {
            _ = error
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(timeout.milliseconds))
        } catch let error as IOError where idempotent && error.errnoCode == ECONNRESET {
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(timeout.milliseconds))
        }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        var h: [String: String] = [:]
        for header in response.headers { h[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: h, body: Array(bytes.readableBytesView))
    }

    public static func get(_ url: String, headers: [String: String] = [:]) async throws -> Reply {
        try await self.send("GET", url, headers: headers)
    }

    public static func post(_ url: String, headers: [String: String] = [:], json: String) async throws -> Reply {
        var h = headers
        h["Content-Type"] = h["Content-Type"] ?? "application/json"
        return try await self.send("POST", url, headers: h, body: Array(json.utf8))
    }
}
