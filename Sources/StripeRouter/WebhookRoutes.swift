import CoreMetrics
import Crypto
import Dispatch
import Foundation
import HNSBus
import HNSCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `POST /webhook/stripe`: verify once, route by `data.object.metadata.site`, publish the raw body with
/// `Msg-Id` = the event id, and answer Stripe only after the bus has committed it.
struct WebhookRoutes: Sendable {
    let config: StripeRouterConfiguration
    let table: RoutingTableWatcher
    let publisher: BusPublisher
    /// Concurrent webhooks share batch publishes (one HTTP exchange and one commit per batch); nil: one publish each.
    let batcher: PublishBatcher?
    let keys: [SymmetricKey]

    init(config: StripeRouterConfiguration, table: RoutingTableWatcher, publisher: BusPublisher, batcher: PublishBatcher? = nil) {
        self.config = config
        self.table = table
        self.publisher = publisher
        self.batcher = batcher
        self.keys = config.secrets.map { StripeSignature.key($0.value) }
    }

    static let unroutableSubject = "stripe.unroutable"

    func add(to router: Router<BasicRequestContext>) {
        // Other methods get 405 with `Allow: POST` from the problem middleware.
        router.post("/webhook/stripe") { request, context in try await self.receive(request, context: context) }
    }

    func receive(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        Counter(label: "hns_stripe_router_received_total").increment()
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: self.config.maxBody)
        } catch {
            throw self.reject("too-large", Problem(.tooLarge, detail: "Webhook bodies are limited to 1 MiB."))
        }
        do {
            try StripeSignature.verify(
                header: request.headers[.stripeSignature], payload: body.readableBytesView,
                keys: self.keys, tolerance: self.config.tolerance)
        } catch {
            throw self.reject(error.reason, Problem(RouterProblems.signature(error), detail: error.description))
        }
        let (id, type, site) = try self.head(of: body)
        let route = self.table.current.route(site: site, eventType: type)
        var logger = context.logger
        logger[metadataKey: "stripe_event"] = .string(id)
        logger[metadataKey: "stripe_type"] = .string(type)

        let subject: String
        if let routed = route.subject {
            subject = routed
        } else {
            // Answer 200 so Stripe stops retrying, but park the event so nothing Stripe sent is lost.
            subject = Self.unroutableSubject
            Counter(label: "hns_stripe_router_unroutable_total").increment()
            logger.warning("unroutable Stripe event parked", metadata: ["site": "\(site ?? "<none>")", "subject": "\(subject)"])
        }
        let ack: BusPublisher.Ack
        do {
            // A parked copy gets its own Msg-Id, so re-sending the event after the table is fixed is not
            // swallowed as a duplicate of it.
            let msgID = route.subject == nil ? "unroutable:" + id : id
            if let batcher = self.batcher {
                ack = try await batcher.publish(subject: subject, msgID: msgID, data: body)
            } else {
                ack = try await self.publisher.publish(subject: subject, msgID: msgID, data: body, logger: logger)
            }
        } catch {
            Counter(label: "hns_stripe_router_publish_failures_total", dimensions: [("kind", error.isRejection ? "rejected" : "unavailable")])
                .increment()
            if error.isRejection {
                logger.error(
                    "bus rejected a Stripe event: routing or bus configuration is wrong", metadata: ["error": "\(error)", "subject": "\(subject)"])
            } else {
                logger.error("bus unavailable; Stripe will retry", metadata: ["error": "\(error)"])
            }
            throw Problem(RouterProblems.busUnavailable, detail: "The event could not be stored; Stripe will retry it.")
        }
        if route.subject != nil {
            Counter(label: "hns_stripe_router_routed_total", dimensions: [("subject", subject)]).increment()
        }
        Timer(label: "hns_stripe_router_latency_seconds").recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
        logger.info("Stripe event published", metadata: ["subject": "\(subject)", "seq": "\(ack.seq)", "duplicate": "\(ack.duplicate)"])
        // Written by hand: this answer goes out once per webhook, and a JSON encoder costs more than the rest of it.
        var answer = ByteBuffer()
        answer.writeString(#"{"received":true,"routed":\#(route.subject != nil),"subject":"#)
        answer.writeString(Envelope.jsonString(subject))
        answer.writeString(#","seq":\#(ack.seq),"duplicate":\#(ack.duplicate)}"#)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
    }

    /// The fields routing needs: the event's id and type and `data.object.metadata.site`, read in one
    /// strict pass (the body is published as it is, so it must be valid JSON, not merely decodable).
    private func head(of body: ByteBuffer) throws -> (id: String, type: String, site: String?) {
        guard let fields = RawJSON.strings(Array(body.readableBytesView), at: [["id"], ["type"], ["data", "object", "metadata", "site"]]) else {
            throw self.reject("not-json", Problem(.malformedJSON, detail: "The event is not a JSON object."))
        }
        guard let id = fields[0], !id.isEmpty, let type = fields[1], !type.isEmpty else {
            throw self.reject(
                "not-an-event",
                Problem(
                    RouterProblems.notAnEvent, detail: "A Stripe event has a string id and type.",
                    errors: [
                        .init(field: "id", message: "an event needs a string id"), .init(field: "type", message: "an event needs a string type"),
                    ]))
        }
        // The id becomes the bus's Msg-Id and both are logged and stored: bounded, printable text.
        var errors: [Problem.FieldError] = []
        for (field, value) in [("id", id), ("type", type)] where !Self.isPlainText(value, limit: 255) {
            errors.append(.init(field: field, message: "must be at most 255 bytes without control characters"))
        }
        if !errors.isEmpty {
            throw self.reject(
                "not-an-event", Problem(RouterProblems.notAnEvent, detail: "The event's id or type is not a Stripe one.", errors: errors))
        }
        return (id, type, fields[2])
    }

    static func isPlainText(_ value: String, limit: Int) -> Bool {
        value.utf8.count <= limit && !value.unicodeScalars.contains(where: JSONBodyRules.isRefused)
    }

    private func reject(_ reason: String, _ problem: Problem) -> Problem {
        Counter(label: "hns_stripe_router_rejected_total", dimensions: [("reason", reason)]).increment()
        return problem
    }
}

extension BusPublisher.Failure {
    var isRejection: Bool {
        if case .rejected = self { return true }
        return false
    }
}

extension HTTPField.Name {
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
}
