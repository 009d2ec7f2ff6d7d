import AsyncHTTPClient
import Crypto
import Dispatch
import Foundation
import HNSCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Stripe's webhook signature: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
/// endpoint secret exactly as written (`whsec_…` included).
enum WebhookSignature {
    static func header(body: [UInt8], secret: String, timestamp: Int) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in mac {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return "t=\(timestamp),v1=" + String(decoding: out, as: UTF8.self)
    }
}

/// Owns the simulator's HTTP client and shuts it down after the services that use it have stopped
/// (it sits before them in the service list).
struct HTTPClientOwner: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await self.client.shutdown()
    }
}

/// Sends recorded events to the webhook URL, as Stripe does: after the API call has been answered,
/// in order per PaymentIntent, retried on a non-2xx answer or a connection error after 0.2 s, 0.5 s,
/// 1 s, 2 s and 5 s, then given up; every attempt is recorded. Also runs automatic confirmations.
struct WebhookDelivery: Service {
    let simulator: Simulator
    let client: HTTPClient
    let logger: Logger
    var retryDelays: [Duration] = [.milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5)]
    var timeout: Duration = .seconds(10)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await signal in self.simulator.signals {
                    switch signal {
                    case .lane(let lane):
                        group.addTask { await self.drain(lane: lane) }
                    case .autoConfirm(let id):
                        group.addTask { await self.autoConfirm(id) }
                    }
                }
            }
        }
    }

    private func drain(lane: String) async {
        var next = self.simulator.withState { $0.laneHead(lane) }
        while let eventID = next, !Task.isCancelled {
            await self.deliver(eventID)
            next = self.simulator.withState { $0.laneAdvance(lane) }
        }
    }

    private func deliver(_ eventID: String) async {
        for attempt in 0...self.retryDelays.count {
            let final = attempt == self.retryDelays.count
            let (status, _) = await self.send(eventID, trigger: "automatic", final: final)
            if let status, (200..<300).contains(status) { return }
            if final {
                self.logger.warning("webhook delivery given up", metadata: ["stripe_event": "\(eventID)", "attempts": "\(attempt + 1)"])
                return
            }
            do { try await Task.sleep(for: self.retryDelays[attempt]) } catch { return }
        }
    }

    /// One attempt, recorded: the receiver's status, or nil and why there was no answer.
    func send(_ eventID: String, trigger: String, final: Bool) async -> (status: Int?, error: String?) {
        guard let webhook = self.simulator.configuration.webhook,
            let body = self.simulator.withState({ s in s.eventIndex[eventID].map { s.events[$0].bytes } })
        else {
            return (nil, "no such event or no webhook endpoint")
        }
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        request.headers.add(name: "Accept", value: "*/*; q=0.5, application/xml")
        request.headers.add(name: "Cache-Control", value: "no-cache")
        request.headers.add(name: "Stripe-Signature", value: WebhookSignature.header(body: body, secret: webhook.secret, timestamp: StripeIDs.now))
        request.body = .bytes(ByteBuffer(bytes: body))
        var status: Int?
        var failure: String?
        do {
            let response = try await self.client.execute(request, timeout: .milliseconds(self.timeout.milliseconds))
            status = Int(response.status.code)
            for try await _ in response.body {}
        } catch {
            if status == nil { failure = String(describing: error) }
        }
        self.simulator.withState { $0.record(eventID, status: status, error: failure, trigger: trigger, final: final) }
        self.logger.debug(
            "webhook attempt",
            metadata: [
                "stripe_event": "\(eventID)", "status": "\(status.map(String.init) ?? "none")", "error": "\(failure ?? "")",
            ])
        return (status, failure)
    }

    private func autoConfirm(_ id: String) async {
        let delay = self.simulator.configuration.autoConfirmDelay
        if delay > .zero {
            do { try await Task.sleep(for: delay) } catch { return }
        }
        guard let outcome = self.simulator.configuration.autoConfirm else { return }
        self.simulator.withState { state in
            // A PaymentIntent cancelled in the meantime stays cancelled.
            _ = try? state.confirm(id, outcome: outcome, deliver: true)
        }
    }
}
