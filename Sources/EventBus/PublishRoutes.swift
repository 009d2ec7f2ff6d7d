import HTTPTypes
import CoreMetrics
import Foundation
import HNSBus
import HNSCore
import Hummingbird
import Logging
import NIOCore

/// `POST /v1/publish/{subject}` and the atomic batch form `POST /v1/publish`.
struct PublishRoutes: Sendable {
    let stream: StreamConfig
    let sequencer: Sequencer

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/publish/{subject}") { request, context in try await self.publishOne(request, context: context) }
        router.post("/v1/publish") { request, context in try await self.publishBatch(request, context: context) }
    }

    private func publisher(_ request: Request) throws -> StreamConfig.Publisher {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Problem.unauthorized("A publisher Bearer token is required.")
        }
        guard let publisher = self.stream.publisher(forToken: String(header.dropFirst(7))) else {
            throw Problem.unauthorized("The Bearer token is not a known publisher token.")
        }
        return publisher
    }

    /// Checks one message; returns the problem for the first fault. Every message's data is parsed here
    /// once, strictly: the typed decoding of a batch checks only its structure, not the values it skips.
    private func check(
        subject: String, msgID: String?, bytes: ByteBuffer, publisher: StreamConfig.Publisher, field: String
    ) throws -> LogStore.Item {
        guard Subject.isValidLiteral(subject) else {
            throw Self.badField(field + "subject", "'\(subject)' is not a literal subject (dot-separated tokens, no wildcards)")
        }
        guard self.stream.acceptsSubject(subject) else {
            throw Problem(status: .badRequest, slug: "unknown-subject", detail: "Subject \(subject) is not captured by stream \(self.stream.name).",
                          errors: [.init(field: field + "subject", message: "not in the stream's subjects")])
        }
        guard publisher.allow.contains(where: { Subject.matches(subject, filter: $0) }) else {
            throw Problem.forbidden("Publisher \(publisher.name) may not publish to \(subject).")
        }
        if let msgID, msgID.isEmpty || msgID.utf8.count > 256 {
            throw Self.badField(field.isEmpty ? "Msg-Id" : field + "msg_id", "must be 1 to 256 bytes")
        }
        guard bytes.readableBytes <= self.stream.maxMessageSize else {
            throw Problem(status: .contentTooLarge, slug: "too-large", detail: "The message is larger than max_msg_size (\(self.stream.maxMessageSize) bytes).")
        }
        let data = Data(bytes.readableBytesView)
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil,
              let text = String(data: data, encoding: .utf8) else {
            throw Problem(status: .badRequest, slug: "malformed-json", detail: "The message body must be JSON.",
                          errors: [.init(field: field.isEmpty ? "body" : field + "data", message: "not valid JSON")])
        }
        return LogStore.Item(subject: subject, msgID: msgID, data: text)
    }

    private func publishOne(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let publisher = try self.publisher(request)
        let subject = context.parameters.get("subject") ?? ""
        let body = try await request.body.collect(upTo: self.stream.maxMessageSize + 1)
        let item = try self.check(subject: subject, msgID: request.headers[.msgID], bytes: body, publisher: publisher, field: "")
        let stored = try await self.commit([item])[0]
        return HealthRoutes.json(.accepted, .object([
            "stream": .string(self.stream.name), "seq": .number(Double(stored.seq)), "duplicate": .bool(stored.duplicate),
        ]))
    }

    /// One item of a batch as the fast path reads it: `data` only has to be there (its bytes are
    /// taken as sent, by `RawJSON`).
    private struct BatchItem: Decodable {
        struct Present: Decodable { init(from decoder: any Decoder) throws {} }
        let subject: String
        let msg_id: String?
        let data: Present
    }

    private func publishBatch(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let publisher = try self.publisher(request)
        let limit = min(self.stream.maxMessageSize * 16, 16 << 20)
        let body = try await request.body.collect(upTo: limit)
        let raw = Array(body.readableBytesView)
        // Fast path: the batch's structure read once, without building a value per member (each item's
        // data is then parsed strictly by `check`). Anything it does not take is read again untyped,
        // which names the fault.
        let heads: [(subject: String, msgID: String?)]
        if let items = try? JSONDecoder().decode([BatchItem].self, from: Data(raw)) {
            heads = items.map { ($0.subject, $0.msg_id) }
        } else {
            heads = try Self.untypedBatch(raw)
        }
        guard let slices = RawJSON.memberSlices(raw, key: "data"), slices.count == heads.count else { throw Self.malformedBatch }
        guard !heads.isEmpty, heads.count <= 1000 else {
            throw Self.badField("body", "a batch holds 1 to 1000 messages")
        }
        var items: [LogStore.Item] = []
        for (i, head) in heads.enumerated() {
            // The item's `data` exactly as sent (re-encoding would reorder keys and reformat numbers).
            guard let slice = slices[i] else { throw Self.badField("[\(i)].data", "is required") }
            items.append(try self.check(subject: head.subject, msgID: head.msgID, bytes: ByteBuffer(bytes: raw[slice]),
                                        publisher: publisher, field: "[\(i)]."))
        }
        let stored = try await self.commit(items)
        // Written by hand: a router sends one batch per group of webhooks, and an encoder costs more than the rest.
        var answer = ByteBuffer()
        answer.writeString(#"{"acks":["#)
        let stream = Envelope.jsonString(self.stream.name)
        for (i, s) in stored.enumerated() {
            answer.writeString(#"\#(i == 0 ? "" : ","){"stream":\#(stream),"seq":\#(s.seq),"duplicate":\#(s.duplicate)}"#)
        }
        answer.writeString("]}")
        return Response(status: .accepted, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
    }

    static let malformedBatch = Problem(status: .badRequest, slug: "malformed-json", detail: "The batch body must be a JSON array of {subject, msg_id, data}.")

    /// The batch read as untyped JSON, for the precise fault (or a batch whose `msg_id` is not a string, taken as none).
    private static func untypedBatch(_ raw: [UInt8]) throws -> [(subject: String, msgID: String?)] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(raw)) as? [Any] else { throw Self.malformedBatch }
        return try array.enumerated().map { i, element in
            guard let object = element as? [String: Any] else { throw Self.badField("[\(i)]", "must be an object") }
            guard let subject = object["subject"] as? String else { throw Self.badField("[\(i)].subject", "is required") }
            guard object["data"] != nil else { throw Self.badField("[\(i)].data", "is required") }
            return (subject, object["msg_id"] as? String)
        }
    }

    /// DESIGN.md: a bad subject or body is a 400 (naming the field), not a 422.
    static func badField(_ field: String, _ message: String) -> Problem {
        Problem(status: .badRequest, slug: "bad-request", detail: "\(field) \(message).", errors: [.init(field: field, message: message)])
    }

    private func commit(_ items: [LogStore.Item]) async throws -> [LogStore.Stored] {
        do {
            let stored = try await self.sequencer.append(items)
            for (item, s) in zip(items, stored) {
                if s.duplicate { EventBusMetrics.duplicates.increment() } else {
                    EventBusMetrics.published.increment()
                    EventBusMetrics.publishedBytes.increment(by: item.data.utf8.count)
                }
            }
            return stored
        } catch let unavailable as Sequencer.Unavailable {
            var problem = Problem.unavailable("The message was not stored: \(unavailable.description). Retry with the same Msg-Id.")
            problem.extraHeaders[.retryAfter] = "1"
            throw problem
        }
    }
}

extension HTTPField.Name {
    static let msgID = HTTPField.Name("Msg-Id")!
}
