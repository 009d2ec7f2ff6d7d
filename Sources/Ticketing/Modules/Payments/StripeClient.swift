import AsyncHTTPClient
import Foundation
import HNSCore
import Logging
import NIOCore
import NIOHTTP1

/// E8: the parts of Stripe's REST API we call (form-encoded requests, JSON answers), at a
/// configurable base URL so development and tests talk to the simulator. Every creating call
/// carries a Stripe idempotency key derived from our own ids, so a retry never pays twice.
struct StripeClient: Sendable {
    let baseURL: String
    let secretKey: Secret
    let client: HTTPClient
    var timeout: Duration = .seconds(10)

    struct PaymentIntent: Decodable, Sendable, Equatable {
        let id: String
        let status: String
        let amount: Int
        let currency: String
        let clientSecret: String?
        let metadata: [String: String]?
        let amountReceived: Int?

        enum CodingKeys: String, CodingKey {
            case id, status, amount, currency, metadata
            case clientSecret = "client_secret"
            case amountReceived = "amount_received"
        }
    }

    struct Refund: Decodable, Sendable {
        let id: String
        /// pending, requires_action, succeeded, failed or canceled.
        let status: String
        let amount: Int
        let failureReason: String?

        enum CodingKeys: String, CodingKey {
            case id, status, amount
            case failureReason = "failure_reason"
        }
    }

    enum Failure: Error, CustomStringConvertible {
        /// Stripe answered with an error object (4xx): not worth retrying as is.
        case rejected(status: Int, code: String?, message: String)
        /// No answer, or a 5xx: retry later with the same idempotency key.
        case unavailable(String)

        /// What `unavailable` says of a 429 (too many requests).
        static let throttled = "HTTP 429"

        var description: String {
            switch self {
            case .rejected(let status, let code, let message): "Stripe refused (\(status) \(code ?? "")): \(message)"
            case .unavailable(let why): "Stripe unavailable: \(why)"
            }
        }
    }

    func createPaymentIntent(amountCents: Int, currency: String, orderID: UUID, description: String, idempotencyKey: String) async throws(Failure)
        -> PaymentIntent
    {
        try await self.call(
            "POST", "/v1/payment_intents",
            form: [
                ("amount", String(amountCents)), ("currency", currency), ("description", description),
                ("automatic_payment_methods[enabled]", "true"),
                ("metadata[site]", "backend"), ("metadata[order_id]", orderID.uuidString.lowercased()),
            ], idempotencyKey: idempotencyKey)
    }

    func paymentIntent(_ id: String) async throws(Failure) -> PaymentIntent {
        try await self.call("GET", "/v1/payment_intents/\(id)", form: [], idempotencyKey: nil)
    }

    func cancelPaymentIntent(_ id: String, idempotencyKey: String) async throws(Failure) -> PaymentIntent {
        try await self.call("POST", "/v1/payment_intents/\(id)/cancel", form: [], idempotencyKey: idempotencyKey)
    }

    /// `metadata.site` routes the refund's events back to us (the router routes by it).
    func refund(
        paymentIntent: String, amountCents: Int, reason: String, refundID: UUID, orderID: UUID?, idempotencyKey: String
    ) async throws(Failure) -> Refund {
        var form = [
            ("payment_intent", paymentIntent), ("amount", String(amountCents)), ("metadata[reason]", reason), ("metadata[site]", "backend"),
            ("metadata[refund_id]", refundID.uuidString.lowercased()),
        ]
        if let orderID { form.append(("metadata[order_id]", orderID.uuidString.lowercased())) }
        return try await self.call("POST", "/v1/refunds", form: form, idempotencyKey: idempotencyKey)
    }

    /// A PaymentIntent's refunds, newest first (at most 100: far more than one payment ever has).
    func refunds(paymentIntent: String) async throws(Failure) -> [Refund] {
        let list: RefundList = try await self.call(
            "GET", "/v1/refunds?" + Self.formEncode([("payment_intent", paymentIntent), ("limit", "100")]), form: [], idempotencyKey: nil)
        return list.data
    }

    private struct RefundList: Decodable { let data: [Refund] }

    private func call<T: Decodable>(_ method: String, _ path: String, form: [(String, String)], idempotencyKey: String?) async throws(Failure) -> T {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(self.secretKey.value)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if method == "POST" {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.formEncode(form)))
        }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await self.client.execute(request, timeout: .seconds(Int64(self.timeout.components.seconds)))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .unavailable(String(describing: error))
        }
        let data = Data(body.readableBytesView)
        guard (200..<300).contains(status) else {
            let error = try? JSONDecoder().decode(ErrorEnvelope.self, from: data).error
            // 409: a request with the same idempotency key is still being processed (or the object is
            // locked); Stripe's answer to it will come with a retry of the same key, never a second refund.
            if status >= 500 || status == 429 || status == 409 { throw .unavailable("HTTP \(status)") }
            throw .rejected(status: status, code: error?.code, message: error?.message ?? String(decoding: data, as: UTF8.self))
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw .unavailable("unreadable answer: \(error)")
        }
    }

    private struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            let code: String?
            let message: String?
        }
        let error: Body
    }

    static func formEncode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}
