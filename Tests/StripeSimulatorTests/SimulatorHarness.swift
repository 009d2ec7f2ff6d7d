import Crypto
import Foundation
import HNSCore
import HNSTestSupport
import Logging
import StripeSimulator

/// The simulator running in-process on a free loopback port, spoken to over real HTTP.
struct SimulatorHarness: Sendable {
    static let apiKey = "sk_test_simulator_0123456789abcdef"
    static let webhookSecret = "whsec_simulator_test_0123456789"

    let baseURL: String

    /// Runs a simulator for the duration of `body`; with a `receiver`, events are POSTed to it.
    static func with<T: Sendable>(
        receiver: LocalHTTPServer? = nil, webhookURL: String? = nil, autoConfirm: StripeSimulatorConfiguration.Outcome? = nil,
        retryDelays: [Duration]? = nil, _ body: @Sendable (SimulatorHarness) async throws -> T
    ) async throws -> T {
        let port = try await ChildProcess.freePort()
        let url = webhookURL ?? receiver.map { $0.baseURL + "/webhook/stripe" }
        var config = StripeSimulatorConfiguration(
            http: HTTPSettings(bind: "127.0.0.1", port: port, logLevel: .warning), apiKey: Secret(apiKey),
            webhookURL: url, webhookSecret: url.map { _ in Secret(webhookSecret) }, autoConfirm: autoConfirm)
        if let retryDelays { config.webhookRetryDelays = retryDelays }
        var logger = Logger(label: "test.stripe-sim")
        logger.logLevel = .warning
        let app = try StripeSimulatorApp.build(configuration: config, logger: logger)
        return try await withRunningService(app, port: port) { try await body(SimulatorHarness(baseURL: "http://127.0.0.1:\(port)")) }
    }

    // MARK: requests as Stripe's clients send them

    func post(_ path: String, form: String = "", key: String? = apiKey, idempotencyKey: String? = nil) async throws -> TestHTTP.Reply {
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if let key { headers["Authorization"] = "Bearer " + key }
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        return try await TestHTTP.send("POST", self.baseURL + path, headers: headers, body: Array(form.utf8))
    }

    func postJSON(_ path: String, json: String) async throws -> TestHTTP.Reply {
        try await TestHTTP.post(self.baseURL + path, headers: ["Authorization": "Bearer " + Self.apiKey], json: json)
    }

    func get(_ path: String, key: String? = apiKey) async throws -> TestHTTP.Reply {
        try await TestHTTP.get(self.baseURL + path, headers: key.map { ["Authorization": "Bearer " + $0] } ?? [:])
    }

    /// A new PaymentIntent's id.
    func createPaymentIntent(amount: Int = 4200, orderID: String = "o-1") async throws -> String {
        let reply = try await self.post(
            "/v1/payment_intents", form: "amount=\(amount)&currency=eur&metadata[site]=backend&metadata[order_id]=\(orderID)")
        guard reply.status == 200, let id = reply.json?["id"]?.stringValue else { throw HarnessError(reply.text) }
        return id
    }

    func confirm(_ id: String, _ form: String = "") async throws -> TestHTTP.Reply {
        try await self.post("/_sim/payment_intents/\(id)/confirm", form: form)
    }

    func events(_ query: String = "") async throws -> [JSONValue] {
        guard case .array(let items)? = try await self.get("/_sim/events" + query).json?["data"] else { return [] }
        return items
    }

    struct HarnessError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Checks a delivery the way Stripe's libraries do: `t=…,v1=…`, HMAC-SHA256 over `"<t>.<body>"`
/// keyed with the whole endpoint secret, timestamp close to now.
func signatureVerifies(_ request: LocalHTTPServer.Recorded, secret: String = SimulatorHarness.webhookSecret) -> Bool {
    guard let header = request.header("Stripe-Signature") else { return false }
    var timestamp: String?
    var signatures: [String] = []
    for part in header.split(separator: ",") {
        let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
        guard pair.count == 2 else { return false }
        if pair[0] == "t" { timestamp = pair[1] } else if pair[0] == "v1" { signatures.append(pair[1]) }
    }
    guard let timestamp, let t = Int(timestamp), abs(t - Int(Date().timeIntervalSince1970)) <= 5 else { return false }
    let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + request.body, using: SymmetricKey(data: Array(secret.utf8)))
    let expected = mac.map { String(format: "%02x", $0) }.joined()
    return signatures.contains(expected)
}

extension JSONValue {
    var intValue: Int? {
        if case .number(let n) = self { return Int(exactly: n) }
        return nil
    }
}
