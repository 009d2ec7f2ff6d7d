import AsyncHTTPClient
import Foundation
import HNSCore
import Logging
import NIOCore
import NIOHTTP1

/// Publishes to `hns-eventbus` over its HTTP API. Retries transport failures and 5xx a bounded
/// number of times with the same `Msg-Id`, so a retry after a lost response is deduplicated by the
/// bus instead of stored twice.
public struct BusPublisher: Sendable {
    public struct Ack: Decodable, Sendable, Equatable {
        public let stream: String
        public let seq: Int64
        public let duplicate: Bool
    }

    public struct BatchItem: Sendable {
        public let subject: String
        public let msgID: String?
        public let data: ByteBuffer
        public init(subject: String, msgID: String?, data: ByteBuffer) {
            self.subject = subject
            self.msgID = msgID
            self.data = data
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        /// The bus answered 4xx: our request is wrong (unknown subject, token scope); retrying will not help.
        case rejected(status: Int, detail: String)
        /// No durable answer after every attempt.
        case unavailable(String)

        public var description: String {
            switch self {
            case .rejected(let s, let d): return "bus rejected the publish (\(s)): \(d)"
            case .unavailable(let d): return "bus unavailable: \(d)"
            }
        }
    }

    public let baseURL: String
    public let token: Secret
    public let client: HTTPClient
    public var timeout: Duration
    public var attempts: Int
    public var backoff: Backoff

    public init(
        baseURL: String, token: Secret, client: HTTPClient, timeout: Duration = .seconds(5), attempts: Int = 3,
        backoff: Backoff = Backoff(base: .milliseconds(50), maximum: .seconds(1))
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.client = client
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
    }

    public func publish(subject: String, msgID: String?, data: ByteBuffer, logger: Logger? = nil) async throws(Failure) -> Ack {
        // Every retry carries the same id, generated once, so a retry after a lost answer is deduplicated.
        let msgID = msgID ?? UUID.random().uuidString.lowercased()
        var request = HTTPClientRequest(url: "\(self.baseURL)/v1/publish/\(subject)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(self.token.value)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Msg-Id", value: msgID)
        request.body = .bytes(data)
        let body = try await self.send(request, logger: logger)
        do {
            return try JSONDecoder().decode(Ack.self, from: body)
        } catch {
            throw .unavailable("unreadable publish answer")
        }
    }

    public func publish(subject: String, msgID: String?, json: some Encodable, logger: Logger? = nil) async throws(Failure) -> Ack {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(json) else { throw .rejected(status: 0, detail: "payload does not encode as JSON") }
        return try await self.publish(subject: subject, msgID: msgID, data: ByteBuffer(bytes: data), logger: logger)
    }

    /// All or nothing: the bus commits the whole batch in one transaction.
    public func publishBatch(_ items: [BatchItem], logger: Logger? = nil) async throws(Failure) -> [Ack] {
        var out = ByteBuffer()
        out.writeString("[")
        for (i, item) in items.enumerated() {
            if i > 0 { out.writeString(",") }
            out.writeString("{\"subject\":\(Envelope.jsonString(item.subject)),\"msg_id\":")
            out.writeString(Envelope.jsonString(item.msgID ?? UUID.random().uuidString.lowercased()))
            out.writeString(",\"data\":")
            var data = item.data
            out.writeBuffer(&data)
            out.writeString("}")
        }
        out.writeString("]")
        var request = HTTPClientRequest(url: "\(self.baseURL)/v1/publish")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(self.token.value)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(out)
        let body = try await self.send(request, logger: logger)
        struct Batch: Decodable { let acks: [Ack] }
        do {
            return try JSONDecoder().decode(Batch.self, from: body).acks
        } catch {
            throw .unavailable("unreadable batch answer")
        }
    }

    private func send(_ request: HTTPClientRequest, logger: Logger?) async throws(Failure) -> Data {
        var lastError = "no attempt made"
        for attempt in 1...max(self.attempts, 1) {
            do {
                let response = try await self.client.execute(
                    request,
                    timeout: .nanoseconds(
                        Int64(self.timeout.components.seconds) * 1_000_000_000 + self.timeout.components.attoseconds / 1_000_000_000))
                let body = try await response.body.collect(upTo: 1 << 20)
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return Data(body.readableBytesView) }
                let detail = String(buffer: body)
                if (400..<500).contains(status) { throw Failure.rejected(status: status, detail: detail) }
                lastError = "HTTP \(status): \(detail.prefix(200))"
            } catch let failure as Failure {
                throw failure
            } catch {
                lastError = String(describing: error)
            }
            logger?.warning("bus publish attempt failed", metadata: ["attempt": "\(attempt)", "error": "\(lastError)"])
            if attempt < self.attempts {
                try? await Task.sleep(for: self.backoff.delay(attempt: attempt))
            }
        }
        throw .unavailable(lastError)
    }
}
