import Crypto
import Foundation
import HNSCore
import HTTPTypes
import Synchronization

/// Work the delivery service picks up: a lane that has events waiting, or a PaymentIntent to
/// confirm by itself (`HNS_STRIPE_SIM_AUTO_CONFIRM`).
enum WorkSignal: Sendable {
    case lane(String)
    case autoConfirm(String)
}

/// An answer as it left the simulator, kept for idempotent replay.
struct APIAnswer: Sendable {
    let status: Int
    let body: [UInt8]
    var replayed = false
}

/// Who asked, for the event's `request` field and for idempotency.
struct APICall: Sendable {
    let apiKey: String
    let method: String
    let path: String
    let body: [UInt8]
    let idempotencyKey: String?
    let requestID: String
}

/// All of the simulator's state, behind one lock: objects, events, delivery lanes, idempotency keys.
struct SimulatorState: Sendable {
    struct IdempotentEntry: Sendable {
        let fingerprint: [UInt8]
        let path: String
        let answer: APIAnswer
        let storedAt: Date
    }

    let signals: AsyncStream<WorkSignal>.Continuation
    let delivers: Bool
    var paymentIntents: [String: PaymentIntent] = [:]
    var charges: [String: String] = [:]  // charge id → PaymentIntent id
    var refunds: [Refund] = []
    var events: [Event] = []
    var eventIndex: [String: Int] = [:]
    /// Events waiting per lane, the one being delivered first; a lane with a key has a worker.
    var lanes: [String: [String]] = [:]
    var idempotency: [String: IdempotentEntry] = [:]
    var lastPrune = Date()
    var traffic: Traffic

    static let idempotencyWindow: TimeInterval = 24 * 3600

    // MARK: events and lanes

    /// Records an event with the object as it is now and queues it on its lane.
    mutating func emit(_ type: String, object: StripeJSON, lane: String, deliver: Bool = true, call: APICall? = nil) {
        let id = StripeIDs.random("evt_")
        let created = StripeIDs.now
        let json: StripeJSON = .object([
            ("id", .string(id)),
            ("object", "event"),
            ("api_version", .string(StripeSimulatorApp.apiVersion)),
            ("created", .int(created)),
            ("data", .object([("object", object)])),
            ("livemode", false),
            ("pending_webhooks", .int(self.delivers ? 1 : 0)),
            (
                "request",
                .object([
                    ("id", .optional(call?.requestID)), ("idempotency_key", .optional(call?.idempotencyKey)),
                ])
            ),
            ("type", .string(type)),
        ])
        let state = !self.delivers ? "no_endpoint" : (deliver ? "pending" : "not_sent")
        self.eventIndex[id] = self.events.count
        self.events.append(Event(id: id, type: type, lane: lane, created: created, json: json, bytes: json.bytes, state: state))
        guard self.delivers, deliver else { return }
        if self.lanes[lane] != nil {
            self.lanes[lane]!.append(id)
        } else {
            self.lanes[lane] = [id]
            self.signals.yield(.lane(lane))
        }
    }

    func laneHead(_ lane: String) -> String? { self.lanes[lane]?.first }

    /// Done with the head of `lane`: the next event, or nil (and the lane closes).
    mutating func laneAdvance(_ lane: String) -> String? {
        guard var queue = self.lanes[lane] else { return nil }
        queue.removeFirst()
        if queue.isEmpty {
            self.lanes[lane] = nil
            return nil
        }
        self.lanes[lane] = queue
        return queue.first
    }

    mutating func record(_ eventID: String, status: Int?, error: String?, trigger: String, final: Bool) {
        guard let i = self.eventIndex[eventID] else { return }
        let number = self.events[i].attempts.count + 1
        self.events[i].attempts.append(.init(number: number, trigger: trigger, at: Date().timeIntervalSince1970, status: status, error: error))
        if let status, (200..<300).contains(status) {
            self.events[i].state = "delivered"
        } else if final, self.events[i].state != "delivered" {
            self.events[i].state = "failed"
        }
    }

    // MARK: idempotency

    /// Runs `operation` once per idempotency key: a repeat with the same request gets the stored
    /// answer, a repeat with another request an `idempotency_error`.
    mutating func idempotent(_ call: APICall, _ operation: (inout SimulatorState) throws(StripeError) -> StripeJSON) -> APIAnswer {
        if let earlier = self.earlierAnswer(call) { return earlier }
        let answer: APIAnswer
        do {
            answer = APIAnswer(status: 200, body: try operation(&self).bytes)
        } catch {
            answer = error.answer
        }
        if let key = call.idempotencyKey {
            let now = Date()
            if now.timeIntervalSince(self.lastPrune) > 60 {
                self.idempotency = self.idempotency.filter { now.timeIntervalSince($0.value.storedAt) < Self.idempotencyWindow }
                self.lastPrune = now
            }
            self.idempotency[Self.scope(call, key)] = IdempotentEntry(
                fingerprint: Self.fingerprint(call), path: call.path, answer: answer, storedAt: now)
        }
        return answer
    }

    /// What a request with an idempotency key already used gets: the stored answer when it is the
    /// same request, an `idempotency_error` otherwise; nil for a new key. Checked before the
    /// parameters, as Stripe does (an answer refusing the parameters is not stored).
    func earlierAnswer(_ call: APICall) -> APIAnswer? {
        guard let key = call.idempotencyKey, let entry = self.idempotency[Self.scope(call, key)],
            Date().timeIntervalSince(entry.storedAt) < Self.idempotencyWindow
        else { return nil }
        guard entry.fingerprint == Self.fingerprint(call) else {
            let message =
                entry.path != call.path
                ? "Keys for idempotent requests can only be used for the same endpoint they were first used for ('\(entry.path)' vs '\(call.path)'). Try using a key other than '\(key)' if you meant to execute a different request."
                : "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(key)' if you meant to execute a different request."
            return StripeError(status: .badRequest, type: "idempotency_error", message: message).answer
        }
        var replay = entry.answer
        replay.replayed = true
        return replay
    }

    /// Keys are per API key.
    private static func scope(_ call: APICall, _ key: String) -> String {
        Array(SHA256.hash(data: Array(call.apiKey.utf8))).prefix(8).hexString + ":" + key
    }

    private static func fingerprint(_ call: APICall) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("\(call.method) \(call.path)\n".utf8))
        hasher.update(data: call.body)
        return Array(hasher.finalize())
    }

    // MARK: PaymentIntents

    func paymentIntent(_ id: String, param: String = "intent") throws(StripeError) -> PaymentIntent {
        guard let intent = self.paymentIntents[id] else { throw .noSuch("payment_intent", id, param: param) }
        return intent
    }

    mutating func create(_ intent: PaymentIntent) -> StripeJSON {
        self.paymentIntents[intent.id] = intent
        return intent.json
    }

    mutating func confirm(_ id: String, outcome: StripeSimulatorConfiguration.Outcome, deliver: Bool) throws(StripeError) -> StripeJSON {
        var intent = try self.paymentIntent(id)
        switch intent.status {
        case "succeeded":
            throw .unexpectedState("You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.")
        case "canceled":
            throw .unexpectedState(
                "You cannot confirm this PaymentIntent because it has a status of canceled. Only a PaymentIntent "
                    + "with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method.")
        default: break
        }
        let charge = StripeIDs.random("ch_")
        switch outcome {
        case .succeeded:
            intent.status = "succeeded"
            intent.amountReceived = intent.amount
            intent.latestCharge = charge
            intent.chargeCreated = StripeIDs.now
            intent.lastPaymentError = nil
            self.charges[charge] = id
        case .failed:
            intent.status = "requires_payment_method"
            intent.lastPaymentError = .init(code: "card_declined", declineCode: "generic_decline", message: "Your card was declined.", charge: charge)
        }
        self.paymentIntents[id] = intent
        self.emit(
            outcome == .succeeded ? "payment_intent.succeeded" : "payment_intent.payment_failed",
            object: intent.json, lane: id, deliver: deliver)
        return intent.json
    }

    mutating func cancel(_ id: String, reason: String?, call: APICall) throws(StripeError) -> StripeJSON {
        var intent = try self.paymentIntent(id)
        guard ["requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"].contains(intent.status) else {
            throw .unexpectedState(
                "You cannot cancel this PaymentIntent because it has a status of \(intent.status). Only a PaymentIntent "
                    + "with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing."
            )
        }
        intent.status = "canceled"
        intent.canceledAt = StripeIDs.now
        intent.cancellationReason = reason
        self.paymentIntents[id] = intent
        self.emit("payment_intent.canceled", object: intent.json, lane: id, call: call)
        return intent.json
    }

    // MARK: refunds

    mutating func refund(
        paymentIntent id: String, amount: Int?, metadata: [(String, String)], reason: String?,
        param: String, call: APICall
    ) throws(StripeError) -> StripeJSON {
        var intent = try self.paymentIntent(id, param: param)
        guard intent.status == "succeeded", let charge = intent.latestCharge else {
            throw StripeError(
                status: .badRequest, code: "payment_intent_unexpected_state", param: "payment_intent",
                message: "This PaymentIntent (\(id)) does not have a successful charge to refund.")
        }
        let remaining = intent.amountReceived - intent.amountRefunded
        guard remaining > 0 else {
            throw StripeError(status: .badRequest, code: "charge_already_refunded", message: "Charge \(charge) has already been refunded.")
        }
        let value = amount ?? remaining
        guard value <= remaining else {
            throw StripeError(
                status: .badRequest, code: "amount_too_large", param: "amount",
                message:
                    "Refund amount (\(Self.money(value, intent.currency))) is greater than unrefunded amount on charge (\(Self.money(remaining, intent.currency)))"
            )
        }
        intent.amountRefunded += value
        self.paymentIntents[id] = intent
        let refund = Refund(
            id: StripeIDs.random("re_"), amount: value, currency: intent.currency, paymentIntent: id, charge: charge,
            metadata: metadata, reason: reason, created: StripeIDs.now)
        self.refunds.append(refund)
        self.traffic.refundCreated(at: Date().timeIntervalSince1970)
        self.emit("charge.refunded", object: intent.chargeJSON, lane: id, call: call)
        self.emit("refund.created", object: refund.json, lane: id, call: call)
        return refund.json
    }

    /// The bank sent a succeeded refund back (Stripe: the refund fails after it succeeded, e.g. the
    /// card was closed): the amount is refundable again, and `refund.updated` and `refund.failed` follow.
    mutating func failRefund(_ id: String, reason: String, deliver: Bool) throws(StripeError) -> StripeJSON {
        guard let index = self.refunds.firstIndex(where: { $0.id == id }) else { throw .noSuch("refund", id, param: "id") }
        guard self.refunds[index].status == "succeeded" else {
            throw StripeError(status: .badRequest, code: "refund_unexpected_state", message: "Refund \(id) is \(self.refunds[index].status).")
        }
        self.refunds[index].status = "failed"
        self.refunds[index].failureReason = reason
        let refund = self.refunds[index]
        if var intent = self.paymentIntents[refund.paymentIntent] {
            intent.amountRefunded -= refund.amount
            self.paymentIntents[refund.paymentIntent] = intent
        }
        self.emit("refund.updated", object: refund.json, lane: refund.paymentIntent, deliver: deliver)
        self.emit("refund.failed", object: refund.json, lane: refund.paymentIntent, deliver: deliver)
        return refund.json
    }

    static func money(_ cents: Int, _ currency: String) -> String {
        let symbol = currency == "eur" ? "€" : currency.uppercased() + " "
        return symbol + String(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + String(cents % 100)
    }
}

/// The lock around the state and the stream of work for the delivery service.
final class Simulator: Sendable {
    let configuration: StripeSimulatorConfiguration
    let state: Mutex<SimulatorState>
    let signals: AsyncStream<WorkSignal>

    init(configuration: StripeSimulatorConfiguration) {
        self.configuration = configuration
        let (stream, continuation) = AsyncStream.makeStream(of: WorkSignal.self)
        self.signals = stream
        self.state = Mutex(
            SimulatorState(signals: continuation, delivers: configuration.webhook != nil, traffic: Traffic(limit: configuration.rateLimit)))
    }

    func withState<R: Sendable>(_ body: (inout SimulatorState) -> R) -> R {
        self.state.withLock { body(&$0) }
    }
}
