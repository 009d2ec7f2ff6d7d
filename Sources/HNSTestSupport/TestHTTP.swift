import AsyncHTTPClient
import Foundation
import HNSCore
import NIOCore
import NIOHTTP1

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

    public static func send(_ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                            timeout: Duration = .seconds(30)) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(timeout.milliseconds))
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
