import Foundation
import HNSCore
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    static let stripeRequestID = HTTPField.Name("Request-Id")!
    static let stripeVersion = HTTPField.Name("Stripe-Version")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// The parts of Stripe's REST API our backend calls, and the simulator's own controls under `/_sim/`.
struct StripeAPIRoutes: Sendable {
    let simulator: Simulator
    let delivery: WebhookDelivery

    static let maxBody = 1 << 20

    func add(to router: Router<SimulatorContext>) {
        router.post("/v1/payment_intents") { request, context in try await self.createPaymentIntent(request, context) }
        router.get("/v1/payment_intents/:id") { request, context in try await self.retrievePaymentIntent(request, context) }
        router.post("/v1/payment_intents/:id/cancel") { request, context in try await self.cancelPaymentIntent(request, context) }
        router.post("/v1/refunds") { request, context in try await self.createRefund(request, context) }
        router.get("/v1/refunds") { request, context in try await self.listRefunds(request, context) }
        router.get("/v1/refunds/:id") { request, context in try await self.retrieveRefund(request, context) }
        router.get("/v1/events/:id") { request, context in try await self.retrieveEvent(request, context) }

        router.post("/_sim/payment_intents/:id/confirm") { request, context in try await self.confirm(request, context) }
        router.post("/_sim/refunds/:id/fail") { request, context in try await self.failRefund(request, context) }
        router.get("/_sim/events") { request, context in try await self.listEvents(request, context) }
        router.get("/_sim/traffic") { request, context in try await self.traffic(request, context) }
        router.post("/_sim/traffic") { request, context in try await self.resetTraffic(request, context) }
        router.post("/_sim/events/:id/resend") { request, context in try await self.resend(request, context) }
    }

    // MARK: PaymentIntents

    func createPaymentIntent(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        try await self.handle(request, context) { (params, call) throws(StripeError) in
            let amount = try Self.amount(params, required: true)!
            guard let rawCurrency = params.string("currency") else { throw .missing("currency") }
            let currency = rawCurrency.lowercased()
            guard currency.utf8.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw .invalid("currency", "Invalid currency: \(rawCurrency). Stripe currently supports these currencies: eur, usd, …")
            }
            let metadata = try Self.metadata(params)
            var automatic = true  // the default since API version 2023-08-16
            if let raw = params.string("automatic_payment_methods[enabled]") {
                automatic = try Self.boolean(raw, param: "automatic_payment_methods[enabled]")
            }
            let id = StripeIDs.random("pi_")
            let intent = PaymentIntent(
                id: id, amount: amount, currency: currency, description: params.string("description"), metadata: metadata,
                automaticPaymentMethods: automatic, clientSecret: id + "_secret_" + StripeIDs.random("", length: 25), created: StripeIDs.now)
            let autoConfirm = self.simulator.configuration.autoConfirm != nil
            return self.simulator.withState { state in
                state.idempotent(call) { (s: inout SimulatorState) throws(StripeError) -> StripeJSON in
                    if autoConfirm { s.signals.yield(.autoConfirm(id)) }
                    return s.create(intent)
                }
            }
        }
    }

    func retrievePaymentIntent(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let id = context.parameters.decoded("id") ?? ""
        return try await self.handle(request, context) { (_, _) throws(StripeError) in
            let result: Result<StripeJSON, StripeError> = self.simulator.withState { s in
                Result { () throws(StripeError) in try s.paymentIntent(id).json }
            }
            return APIAnswer(try result.get())
        }
    }

    func cancelPaymentIntent(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let id = context.parameters.decoded("id") ?? ""
        return try await self.handle(request, context) { (params, call) throws(StripeError) in
            let reason = try Self.oneOf(params, "cancellation_reason", ["duplicate", "fraudulent", "requested_by_customer", "abandoned"])
            return self.simulator.withState { state in
                state.idempotent(call) { (s: inout SimulatorState) throws(StripeError) -> StripeJSON in try s.cancel(id, reason: reason, call: call) }
            }
        }
    }

    // MARK: refunds

    func createRefund(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        try await self.handle(request, context) { (params, call) throws(StripeError) in
            let paymentIntent = params.string("payment_intent")
            let charge = params.string("charge")
            guard paymentIntent != nil || charge != nil else {
                throw StripeError(
                    status: .badRequest, code: "parameter_missing", param: "payment_intent",
                    message: "One of the following params should be provided for this request: payment_intent or charge.")
            }
            let amount = try Self.amount(params, required: false)
            let metadata = try Self.metadata(params)
            let reason = try Self.oneOf(params, "reason", ["duplicate", "fraudulent", "requested_by_customer"])
            return self.simulator.withState { state in
                state.idempotent(call) { (s: inout SimulatorState) throws(StripeError) -> StripeJSON in
                    var id = paymentIntent ?? ""
                    var param = "payment_intent"
                    if paymentIntent == nil, let charge {
                        guard let owner = s.charges[charge] else { throw .noSuch("charge", charge, param: "charge") }
                        id = owner
                        param = "charge"
                    }
                    return try s.refund(paymentIntent: id, amount: amount, metadata: metadata, reason: reason, param: param, call: call)
                }
            }
        }
    }

    func listRefunds(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        try await self.handle(request, context) { (params, _) throws(StripeError) in
            var limit = 10
            if let raw = params.string("limit") {
                guard let n = Int(raw) else { throw .invalidInteger("limit", raw) }
                guard (1...100).contains(n) else { throw .invalid("limit", "This value must be between 1 and 100 (it currently is \(n)).") }
                limit = n
            }
            let paymentIntent = params.string("payment_intent")
            let charge = params.string("charge")
            let matching: [StripeJSON] = self.simulator.withState { s in
                s.refunds.reversed()
                    .filter { (paymentIntent == nil || $0.paymentIntent == paymentIntent) && (charge == nil || $0.charge == charge) }
                    .map(\.json)
            }
            return APIAnswer(
                .object([
                    ("object", "list"), ("data", .array(Array(matching.prefix(limit)))), ("has_more", .bool(matching.count > limit)),
                    ("url", "/v1/refunds"),
                ]))
        }
    }

    func retrieveRefund(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let id = context.parameters.decoded("id") ?? ""
        return try await self.handle(request, context) { (_, _) throws(StripeError) in
            guard let refund = self.simulator.withState({ s in s.refunds.first { $0.id == id }?.json }) else {
                throw .noSuch("refund", id, param: "id")
            }
            return APIAnswer(refund)
        }
    }

    func retrieveEvent(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let id = context.parameters.decoded("id") ?? ""
        return try await self.handle(request, context) { (_, _) throws(StripeError) in
            guard let bytes = self.simulator.withState({ s in s.eventIndex[id].map { s.events[$0].bytes } }) else {
                throw .noSuch("event", id, param: "id")
            }
            return APIAnswer(status: 200, body: bytes)
        }
    }

    // MARK: simulator controls

    func confirm(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let id = context.parameters.decoded("id") ?? ""
        return try await self.handle(request, context, form: false) { (params, _) throws(StripeError) in
            var outcome = StripeSimulatorConfiguration.Outcome.succeeded
            if let raw = params.string("outcome") {
                guard let parsed = StripeSimulatorConfiguration.Outcome(rawValue: raw) else {
                    throw .invalid("outcome", "Invalid outcome: must be one of succeeded or failed")
                }
                outcome = parsed
            }
            let deliver = try params.string("deliver").map { raw throws(StripeError) in try Self.boolean(raw, param: "deliver") } ?? true
            let result: Result<StripeJSON, StripeError> = self.simulator.withState { s in
                Result { () throws(StripeError) in try s.confirm(id, outcome: outcome, deliver: deliver) }
            }
            return APIAnswer(try result.get())
        }
    }

    func failRefund(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let id = context.parameters.decoded("id") ?? ""
        return try await self.handle(request, context, form: false) { (params, _) throws(StripeError) in
            let reason = params.string("failure_reason") ?? "expired_or_canceled_card"
            let deliver = try params.string("deliver").map { raw throws(StripeError) in try Self.boolean(raw, param: "deliver") } ?? true
            let result: Result<StripeJSON, StripeError> = self.simulator.withState { s in
                Result { () throws(StripeError) in try s.failRefund(id, reason: reason, deliver: deliver) }
            }
            return APIAnswer(try result.get())
        }
    }

    func listEvents(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        try await self.handle(request, context) { (params, _) throws(StripeError) in
            let type = params.string("type")
            let paymentIntent = params.string("payment_intent")
            let events: [StripeJSON] = self.simulator.withState { s in
                s.events.filter { (type == nil || $0.type == type) && (paymentIntent == nil || $0.lane == paymentIntent) }.map(\.simulatorJSON)
            }
            return APIAnswer(.object([("object", "list"), ("data", .array(events)), ("has_more", false)]))
        }
    }

    /// What the API was asked: requests, refusals for the rate, the busiest second, refunds created.
    func traffic(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        try await self.handle(request, context) { (_, _) throws(StripeError) in
            APIAnswer(self.simulator.withState { $0.traffic.json })
        }
    }

    /// Starts counting afresh, with a new rate limit (`rate_limit=100/1s`, or `off`) when one is given.
    func resetTraffic(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        try await self.handle(request, context, form: false) { (params, _) throws(StripeError) in
            var limit = self.simulator.withState { $0.traffic.limit }
            if let raw = params.string("rate_limit") {
                if raw == "off" {
                    limit = nil
                } else {
                    guard let parsed = RateLimit(raw) else { throw .invalid("rate_limit", "Invalid rate: \(raw) (100/1s, or off)") }
                    limit = parsed
                }
            }
            return APIAnswer(
                self.simulator.withState { s in
                    s.traffic = Traffic(limit: limit)
                    return s.traffic.json
                })
        }
    }

    /// Sends a recorded event once more (same id and bytes, fresh signature) and answers with the
    /// receiver's status code; 502 when the receiver did not answer.
    func resend(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let id = context.parameters.decoded("id") ?? ""
        guard self.simulator.configuration.webhook != nil else {
            return Self.respond(StripeError(status: .badRequest, message: "No webhook endpoint is configured (HNS_STRIPE_SIM_WEBHOOK_URL).").answer)
        }
        guard self.simulator.withState({ $0.eventIndex[id] != nil }) else {
            return Self.respond(StripeError.noSuch("event", id, param: "id").answer)
        }
        let (status, error) = await self.delivery.send(id, trigger: "resend", final: false)
        let body: StripeJSON = .object([
            ("id", .string(id)), ("object", "event_delivery"), ("status", .optional(status)), ("error", .optional(error)),
        ])
        return Self.respond(APIAnswer(status: status ?? 502, body: body.bytes))
    }

    // MARK: plumbing

    /// Reads the parameters (form body, and the query string), runs `body`, and answers in Stripe's
    /// format whatever it throws. `form: false` also accepts a JSON body (the simulator's controls).
    private func handle(
        _ request: Request, _ context: SimulatorContext, form: Bool = true,
        _ body: (FormParams, APICall) throws(StripeError) -> APIAnswer
    ) async throws -> Response {
        var params = FormParams(encoded: request.uri.query ?? "")
        var bytes: [UInt8] = []
        if request.method == .post {
            let buffer = try await request.body.collect(upTo: Self.maxBody)
            bytes = Array(buffer.readableBytesView)
            params.merge(FormParams(body: bytes, contentType: form ? nil : request.headers[.contentType]))
        }
        let idempotencyKey = request.method == .post ? request.headers[.idempotencyKey].flatMap { $0.isEmpty ? nil : $0 } : nil
        let call = APICall(
            apiKey: self.simulator.configuration.apiKey.value, method: request.method.rawValue, path: request.uri.path, body: bytes,
            idempotencyKey: idempotencyKey, requestID: StripeIDs.random("req_", length: 14))
        if request.uri.path.hasPrefix("/v1/"), !self.simulator.withState({ $0.traffic.admit(at: Date().timeIntervalSince1970) }) {
            let limited = StripeError(
                status: .tooManyRequests, code: "rate_limit",
                message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.")
            return Self.respond(limited.answer, call: call)
        }
        if let idempotencyKey, idempotencyKey.utf8.count > 255 {
            return Self.respond(StripeError.invalid("Idempotency-Key", "Idempotency keys must be at most 255 characters long.").answer, call: call)
        }
        if call.idempotencyKey != nil, let earlier = self.simulator.withState({ $0.earlierAnswer(call) }) {
            return Self.respond(earlier, call: call)
        }
        let answer: APIAnswer
        do {
            answer = try body(params, call)
        } catch {
            answer = error.answer
        }
        return Self.respond(answer, call: call)
    }

    static func respond(_ answer: APIAnswer, call: APICall? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.stripeRequestID] = call?.requestID ?? StripeIDs.random("req_", length: 14)
        headers[.stripeVersion] = StripeSimulatorApp.apiVersion
        if let key = call?.idempotencyKey { headers[.idempotencyKey] = key }
        if answer.replayed { headers[.idempotentReplayed] = "true" }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    // MARK: parameters

    static func amount(_ params: FormParams, required: Bool) throws(StripeError) -> Int? {
        guard let raw = params.string("amount") else {
            if required { throw .missing("amount") }
            return nil
        }
        guard let amount = Int(raw.trimmingCharacters(in: .whitespaces)) else { throw .invalidInteger("amount", raw) }
        guard amount >= 1 else {
            throw required
                ? .invalid("amount", "This value must be greater than or equal to 1.", code: "amount_too_small")
                : .invalid("amount", "Invalid positive integer", code: "parameter_invalid_integer")
        }
        guard amount <= 99_999_999 else { throw .invalid("amount", "Amount must be no more than 999,999.99", code: "amount_too_large") }
        return amount
    }

    static func metadata(_ params: FormParams) throws(StripeError) -> [(String, String)] {
        let pairs = params.hash("metadata")
        guard pairs.count <= 50 else { throw .invalid("metadata", "You can specify up to 50 keys in metadata.") }
        for (key, value) in pairs {
            guard key.count <= 40 else { throw .invalid("metadata", "Metadata keys can have up to 40 characters (\(key.prefix(40))… is longer).") }
            guard value.count <= 500 else { throw .invalid("metadata[\(key)]", "Metadata values can have up to 500 characters.") }
        }
        return pairs
    }

    static func boolean(_ raw: String, param: String) throws(StripeError) -> Bool {
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalid(param, "Invalid boolean: \(raw)")
        }
    }

    static func oneOf(_ params: FormParams, _ param: String, _ allowed: [String]) throws(StripeError) -> String? {
        guard let raw = params.string(param) else { return nil }
        guard allowed.contains(raw) else {
            throw .invalid(param, "Invalid \(param): must be one of \(allowed.dropLast().joined(separator: ", ")), or \(allowed.last!)")
        }
        return raw
    }
}

extension APIAnswer {
    init(_ json: StripeJSON) { self.init(status: 200, body: json.bytes) }
}

extension StripeError {
    var answer: APIAnswer { APIAnswer(status: Int(self.status.code), body: self.json.bytes) }
}
