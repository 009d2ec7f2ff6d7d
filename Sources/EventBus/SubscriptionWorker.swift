import CoreMetrics
import AsyncHTTPClient
import Foundation
import HNSBus
import HNSCore
import Logging
import NIOCore
import NIOHTTP1

/// Delivers one subscription while this instance holds its lease: in stream order, one message at a
/// time (`max_in_flight: 1`) or up to N at once with the cursor advancing only over a contiguous
/// prefix of acknowledged messages.
struct SubscriptionWorker: Sendable {
    let subscription: StreamConfig.Subscription
    let store: LogStore
    let http: HTTPClient
    let owner: String
    let signal: WakeSignal
    let manager: DeliveryManager
    let safetyPoll: Duration
    let logger: Logger

    var name: String { self.subscription.name }

    /// `^(?:a\.b|c\.[^.]+|d\..+)$` from the NATS filters, so PostgreSQL skips what we do not want.
    static func regex(for filters: [String]) -> String {
        let alternatives = filters.map { filter in
            filter.split(separator: ".").map { token -> String in
                switch token {
                case "*": return "[^.]+"
                case ">": return ".+"
                default: return NSRegularExpression.escapedPattern(for: String(token))
                }
            }.joined(separator: "\\.")
        }
        return "^(?:" + alternatives.joined(separator: "|") + ")$"
    }

    func run(cursor start: Int64, generation start_gen: Int64) async {
        var cursor = start
        var stored = start
        var generation = start_gen
        let regex = Self.regex(for: self.subscription.filters)
        var lastFlush = ContinuousClock.now

        /// Persists the cursor; false if a reset moved it (reloaded) or the lease is gone (stop).
        func flush() async -> Bool {
            guard cursor > stored else { return true }
            do {
                if try await self.store.storeCursor(subscription: self.name, seq: cursor, owner: self.owner, generation: generation) {
                    stored = cursor
                    lastFlush = .now
                    return true
                }
                return await reload()
            } catch {
                self.logger.warning("cannot store cursor", metadata: ["subscription": "\(self.name)", "error": "\(String(reflecting: error))"])
                return true
            }
        }

        func reload() async -> Bool {
            guard self.manager.isHeld(self.name), let state = try? await self.store.cursor(subscription: self.name) else { return false }
            if state.generation != generation {
                self.logger.info("subscription reset", metadata: ["subscription": "\(self.name)", "from_seq": "\(state.acked + 1)"])
            }
            cursor = state.acked
            stored = state.acked
            generation = state.generation
            return true
        }

        while self.manager.isHeld(self.name) && !Task.isCancelled {
            do {
                if let control = try await self.store.generation(subscription: self.name) {
                    if control.generation != generation { guard await reload() else { break } }
                    if control.redeliveries > 0 { await self.serveRedeliveries() }
                }
                let (batch, scannedTo) = try await self.store.fetch(subscription: self.name, after: cursor, regex: regex, limit: 500)
                self.logger.trace("fetched", metadata: ["subscription": "\(self.name)", "after": "\(cursor)", "count": "\(batch.count)"])
                EventBusMetrics.lag(self.name).record(Double(max(0, scannedTo - cursor)))
                if batch.isEmpty {
                    cursor = max(cursor, scannedTo)
                    guard await flush() else { break }
                    await self.signal.wait(timeout: self.safetyPoll)
                    continue
                }
                var completed = true
                if self.subscription.maxInFlight == 1 {
                    for message in batch {
                        guard await self.deliver(message) else { completed = false; break }
                        cursor = message.seq
                        if ContinuousClock.now - lastFlush > .milliseconds(200) { guard await flush() else { completed = false; break } }
                    }
                } else {
                    completed = await self.deliverWindow(batch, advance: { cursor = max(cursor, $0) })
                }
                if completed { cursor = max(cursor, scannedTo) }
                guard await flush() else { break }
                if !completed { break }
            } catch {
                self.logger.warning("delivery loop error", metadata: ["subscription": "\(self.name)", "error": "\(String(reflecting: error))"])
                await self.signal.wait(timeout: .seconds(1))
            }
        }
        _ = await flush()
    }

    /// Up to `max_in_flight` deliveries at once; `advance` gets each new end of the contiguous done prefix.
    private func deliverWindow(_ batch: [LogStore.Message], advance: (Int64) -> Void) async -> Bool {
        await withTaskGroup(of: (Int64, Bool).self) { group in
            var outstanding: [Int64] = []
            var head = 0
            var done = Set<Int64>()
            var inFlight = 0
            var ok = true
            func handle(_ seq: Int64, _ success: Bool) {
                inFlight -= 1
                guard success else { ok = false; return }
                done.insert(seq)
                while head < outstanding.count, done.contains(outstanding[head]) {
                    done.remove(outstanding[head])
                    advance(outstanding[head])
                    head += 1
                }
            }
            for message in batch {
                if !ok { break }
                if inFlight >= self.subscription.maxInFlight, let finished = await group.next() { handle(finished.0, finished.1) }
                if !ok { break }
                outstanding.append(message.seq)
                inFlight += 1
                group.addTask { (message.seq, await self.deliver(message)) }
            }
            for await (seq, success) in group { handle(seq, success) }
            return ok
        }
    }

    /// Delivers until acknowledged or dead-lettered (true), or until the lease is lost (false).
    func deliver(_ message: LogStore.Message) async -> Bool {
        var attempts = message.attempts
        while true {
            guard await self.manager.holdsLease(self.name, margin: self.subscription.timeout) else { return false }
            attempts += 1
            EventBusMetrics.attempts(self.name).increment()
            let outcome = await self.post(message, attempt: attempts)
            switch outcome {
            case .success:
                EventBusMetrics.delivery(self.name, result: "ack").increment()
                if attempts > 1 { try? await self.store.clearAttempts(subscription: self.name, seq: message.seq) }
                return true
            case .failure(let reason):
                EventBusMetrics.delivery(self.name, result: "retry").increment()
                self.logger.notice("delivery failed", metadata: [
                    "subscription": "\(self.name)", "seq": "\(message.seq)", "attempt": "\(attempts)", "error": "\(reason)",
                ])
                if self.subscription.maxDeliver > 0, attempts >= self.subscription.maxDeliver {
                    do {
                        try await self.store.deadLetter(subscription: self.name, seq: message.seq, attempts: attempts, error: reason)
                        EventBusMetrics.deadLetters(self.name).increment()
                        self.logger.warning("message dead-lettered", metadata: ["subscription": "\(self.name)", "seq": "\(message.seq)"])
                        return true
                    } catch {
                        // Could not record it: keep the message and try again rather than lose it.
                        attempts -= 1
                    }
                } else {
                    try? await self.store.recordFailure(subscription: self.name, seq: message.seq, attempts: attempts, error: reason)
                }
                let delay = self.subscription.backoff(afterFailures: attempts)
                let until = ContinuousClock.now + delay
                while ContinuousClock.now < until {
                    if !self.manager.isHeld(self.name) || Task.isCancelled { return false }
                    try? await Task.sleep(for: min(until - ContinuousClock.now, .milliseconds(250)))
                }
            }
        }
    }

    enum Outcome { case success, failure(String) }

    private func post(_ message: LogStore.Message, attempt: Int) async -> Outcome {
        var request = HTTPClientRequest(url: self.subscription.url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(self.subscription.token.value)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Event-Seq", value: String(message.seq))
        request.headers.add(name: "Delivery-Attempt", value: String(attempt))
        request.headers.add(name: "Msg-Id", value: message.msgID)
        request.body = .bytes(Envelope.encode(
            subject: message.subject, data: ByteBuffer(string: message.data), timestamp: message.publishedAt, messageID: message.msgID))
        do {
            let ms = self.subscription.timeout.milliseconds
            let response = try await self.http.execute(request, timeout: .milliseconds(ms))
            // Drain (bounded) so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if (200..<300).contains(Int(response.status.code)) { return .success }
            return .failure("HTTP \(response.status.code)")
        } catch {
            return .failure(String(describing: error))
        }
    }

    private func serveRedeliveries() async {
        guard let messages = try? await self.store.takeRedeliveries(subscription: self.name) else { return }
        for message in messages {
            guard await self.deliver(message) else { return }
            try? await self.store.finishRedelivery(subscription: self.name, seq: message.seq)
        }
    }
}
