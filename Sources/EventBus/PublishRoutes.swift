import CoreMetrics
import Foundation
import HNSBus
import HNSCore
import HTTPTypes
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

    /// Checks one message; returns the problem for the first fault. `isJSON`: the bytes were already
    /// read strictly as one JSON value (a batch item's data, by `RawJSON.batch`).
    private func check(
        subject: String, msgID: String?, bytes: ByteBuffer, publisher: StreamConfig.Publisher, field: String, isJSON: Bool = false
    ) throws -> LogStore.Item {
        guard Subject.isValidLiteral(subject) else {
            throw Self.badField(field + "subject", "'\(subject)' is not a literal subject (dot-separated tokens, no wildcards)")
        }
        guard self.stream.acceptsSubject(subject) else {
            throw Problem(
                BusProblems.unknownSubject, detail: "Subject \(subject) is not captured by stream \(self.stream.name).",
                errors: [.init(field: field + "subject", message: "not in the stream's subjects")])
        }
        guard publisher.allow.contains(where: { Subject.matches(subject, filter: $0) }) else {
            throw Problem.forbidden("Publisher \(publisher.name) may not publish to \(subject).")
        }
        // Visible ASCII: a header's bytes beyond it have no one reading (Latin-1 or UTF-8), and our ids
        // (Stripe's event ids, the outbox's `subject:uuid`) never need more.
        if let msgID, msgID.isEmpty || msgID.utf8.count > 256 || !msgID.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            throw Self.badField(field.isEmpty ? "Msg-Id" : field + "msg_id", "must be 1 to 256 visible ASCII characters")
        }
        guard bytes.readableBytes <= self.stream.maxMessageSize else {
            throw Problem(.tooLarge, detail: "The message is larger than max_msg_size (\(self.stream.maxMessageSize) bytes).")
        }
        let raw = Array(bytes.readableBytesView)
        guard isJSON || RawJSON.isValid(raw), let text = String(validating: raw, as: UTF8.self) else {
            throw Problem(
                .malformedJSON, detail: "The message body must be JSON.",
                errors: [.init(field: field.isEmpty ? "body" : field + "data", message: "not valid JSON")])
        }
        return LogStore.Item(subject: subject, msgID: msgID, data: text)
    }

    private func publishOne(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let publisher = try self.publisher(request)
        let subject = context.parameters.decoded("subject") ?? ""
        let body = try await request.body.collect(upTo: self.stream.maxMessageSize + 1)
        let item = try self.check(subject: subject, msgID: request.headers[.msgID], bytes: body, publisher: publisher, field: "")
        let stored = try await self.commit([item])[0]
        return HealthRoutes.json(
            .accepted,
            .object([
                "stream": .string(self.stream.name), "seq": .number(Double(stored.seq)), "duplicate": .bool(stored.duplicate),
            ]))
    }

    private func publishBatch(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let publisher = try self.publisher(request)
        let limit = min(self.stream.maxMessageSize * 16, 16 << 20)
        let body = try await request.body.collect(upTo: limit)
        let raw = Array(body.readableBytesView)
        // One strict pass: the whole body validated, each item's subject, msg_id and raw data found.
        guard let read = RawJSON.batch(raw) else { throw Self.malformedBatch }
        guard !read.isEmpty, read.count <= 1000 else {
            throw Self.badField("body", "a batch holds 1 to 1000 messages")
        }
        var items: [LogStore.Item] = []
        for (i, item) in read.enumerated() {
            let field = "[\(i)]."
            guard item.isObject else { throw Self.badField("[\(i)]", "must be an object") }
            guard let subject = item.subject else { throw Self.badField(field + "subject", "is required (a string)") }
            guard !item.msgIDNotString else { throw Self.badField(field + "msg_id", "must be a string") }
            // The item's `data` exactly as sent (re-encoding would reorder keys and reformat numbers).
            guard let slice = item.data else { throw Self.badField(field + "data", "is required") }
            items.append(
                try self.check(
                    subject: subject, msgID: item.msgID, bytes: ByteBuffer(bytes: raw[slice]),
                    publisher: publisher, field: field, isJSON: true))
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

    static let malformedBatch = Problem(.malformedJSON, detail: "The batch body must be a JSON array of {subject, msg_id, data}.")

    /// docs/contracts.md: a bad subject or body is a 400 (naming the field), not a 422.
    static func badField(_ field: String, _ message: String) -> Problem {
        Problem(.badRequest, detail: "\(field) \(message).", errors: [.init(field: field, message: message)])
    }

    private func commit(_ items: [LogStore.Item]) async throws -> [LogStore.Stored] {
        do {
            let stored = try await self.sequencer.append(items)
            for (item, s) in zip(items, stored) {
                if s.duplicate {
                    EventBusMetrics.duplicates.increment()
                } else {
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
