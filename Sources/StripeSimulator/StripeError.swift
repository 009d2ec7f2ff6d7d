import Foundation
import Hummingbird

/// An error answer in Stripe's shape: `{"error":{"code","doc_url","message","param","type"}}`.
struct StripeError: Error, Sendable {
    var status: HTTPResponse.Status
    var type: String = "invalid_request_error"
    var code: String?
    var param: String?
    var message: String

    var json: StripeJSON {
        var fields: [(String, StripeJSON)] = []
        if let code {
            fields.append(("code", .string(code)))
            fields.append(("doc_url", .string("https://stripe.com/docs/error-codes/" + code.replacingOccurrences(of: "_", with: "-"))))
        }
        fields.append(("message", .string(self.message)))
        if let param { fields.append(("param", .string(param))) }
        fields.append(("type", .string(self.type)))
        return .object([("error", .object(fields))])
    }

    static func missing(_ param: String) -> StripeError {
        StripeError(status: .badRequest, code: "parameter_missing", param: param, message: "Missing required param: \(param).")
    }

    static func invalidInteger(_ param: String, _ value: String) -> StripeError {
        StripeError(status: .badRequest, code: "parameter_invalid_integer", param: param, message: "Invalid integer: \(value)")
    }

    static func invalid(_ param: String, _ message: String, code: String? = nil) -> StripeError {
        StripeError(status: .badRequest, code: code, param: param, message: message)
    }

    static func noSuch(_ object: String, _ id: String, param: String) -> StripeError {
        StripeError(status: .notFound, code: "resource_missing", param: param, message: "No such \(object): '\(id)'")
    }

    static func unexpectedState(_ message: String) -> StripeError {
        StripeError(status: .badRequest, code: "payment_intent_unexpected_state", message: message)
    }

    static func unrecognizedURL(_ method: String, _ path: String) -> StripeError {
        StripeError(
            status: .notFound,
            message: "Unrecognized request URL (\(method): \(path)). "
                + "Please see https://stripe.com/docs or we can help at https://support.stripe.com/.")
    }

    static let noAPIKey = StripeError(
        status: .unauthorized,
        message: "You did not provide an API key. You need to provide your API key in the Authorization header, "
            + "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
            + "See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.")

    static func invalidAPIKey(_ presented: String) -> StripeError {
        StripeError(status: .unauthorized, message: "Invalid API Key provided: \(Self.redact(presented))")
    }

    /// Stripe's redaction: the `sk_test_` kind of prefix and the last four characters, never the whole key.
    static func redact(_ key: String) -> String {
        let chars = Array(key.prefix(200))
        var prefixLength = 0
        let underscores = chars.indices.filter { chars[$0] == "_" }
        if underscores.count >= 2, underscores[1] < 12 { prefixLength = underscores[1] + 1 }
        let hidden = chars.count - prefixLength - 4
        guard hidden >= 4 else { return String(repeating: "*", count: max(chars.count, 4)) }
        return String(chars[..<prefixLength]) + String(repeating: "*", count: hidden) + String(chars[(chars.count - 4)...])
    }
}
