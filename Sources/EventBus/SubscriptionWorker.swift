import AsyncHTTPClient
import CoreMetrics
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
    let maxMessageSize: Int
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

    enum FlushResult { case ok, reloaded, stop }

    /// What became of one message.
    enum Delivery: Equatable {
        case done  // acknowledged or dead-lettered: the cursor may pass it
        case abandoned  // an operator reset the subscription meanwhile: reload, do not pass it
        case stopped  // lease lost or shutting down
    }

    func run(cursor start: Int64, generation startGeneration: Int64) async {
        var cursor = start
        var stored = start
        var generation = startGeneration
        let regex = Self.regex(for: self.subscription.filters)
        var lastFlush = ContinuousClock.now
        var lastDelivered = start

        /// Persists the cursor. `.reloaded`: a reset moved it (the in-memory cursor is now the reset
        /// point, and the batch in hand must be dropped); `.stop`: the lease is gone.
        func flush(olderThan age: Duration = .zero) async -> FlushResult {
            guard cursor > stored, ContinuousClock.now - lastFlush >= age else { return .ok }
            do {
                if try await self.store.storeCursor(subscription: self.name, seq: cursor, owner: self.owner, generation: generation) {
                    stored = cursor
                    lastFlush = .now
                    return .ok
                }
                return await reload() ? .reloaded : .stop
            } catch {
                self.logger.warning("cannot store cursor", metadata: ["subscription": "\(self.name)", "error": "\(String(reflecting: error))"])
                return .ok
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

        loop: while self.manager.isHeld(self.name) && !Task.isCancelled {
            do {
                guard
                    let fetched = try await self.store.fetch(
                        subscription: self.name, after: cursor, regex: regex, limit: 500, maxMessageSize: self.maxMessageSize)
                else {
                    break  // the subscription row is gone
                }
                if fetched.generation != generation {
                    guard await reload() else { break }
                    continue
                }
                if fetched.hasRedeliveries {
                    guard await self.serveRedeliveries(generation: generation) else { break }
                }
                EventBusMetrics.lag(self.name).record(Double(max(0, fetched.scannedTo - cursor)))
                if fetched.messages.isEmpty {
                    // Idle: store what was acknowledged; a cursor moved only past non-matching messages can
                    // wait (nobody waits on it, and redoing that scan after a crash is cheap).
                    let onlySkipped = stored >= lastDelivered
                    cursor = max(cursor, fetched.scannedTo)
                    if await flush(olderThan: onlySkipped ? .seconds(5) : .zero) == .stop { break }
                    await self.signal.wait(timeout: self.safetyPoll)
                    continue
                }
                var outcome = Delivery.done
                if self.subscription.maxInFlight == 1 {
                    for message in fetched.messages {
                        outcome = await self.deliver(message, generation: generation)
                        guard outcome == .done else { break }
                        cursor = message.seq
                        lastDelivered = message.seq
                        if ContinuousClock.now - lastFlush > .milliseconds(200) {
                            switch await flush() {
                            case .ok: break
                            case .reloaded: continue loop
                            case .stop: break loop
                            }
                        }
                    }
                } else {
                    outcome = await self.deliverWindow(
                        fetched.messages, generation: generation,
                        advance: {
                            cursor = max(cursor, $0)
                            lastDelivered = cursor
                        })
                }
                switch outcome {
                case .done:
                    cursor = max(cursor, fetched.scannedTo)
                    // Busy: at most every 200 ms (the idle branch above stores the rest).
                    switch await flush(olderThan: .milliseconds(200)) {
                    case .ok, .reloaded: continue loop
                    case .stop: break loop
                    }
                case .abandoned:
                    guard await reload() else { break loop }
                case .stopped:
                    break loop
                }
            } catch {
                self.logger.warning("delivery loop error", metadata: ["subscription": "\(self.name)", "error": "\(String(reflecting: error))"])
                await self.signal.wait(timeout: .seconds(1))
            }
        }
        _ = await flush()
    }

    /// Up to `max_in_flight` deliveries at once; `advance` gets each new end of the contiguous done prefix.
    private func deliverWindow(_ batch: [LogStore.Message], generation: Int64, advance: (Int64) -> Void) async -> Delivery {
        await withTaskGroup(of: (Int64, Delivery).self) { group in
            var outstanding: [Int64] = []
            var head = 0
            var done = Set<Int64>()
            var inFlight = 0
            var result = Delivery.done
            func handle(_ seq: Int64, _ outcome: Delivery) {
                inFlight -= 1
                guard outcome == .done else {
                    if result == .done || outcome == .stopped { result = outcome }
                    return
                }
                done.insert(seq)
                while head < outstanding.count, done.contains(outstanding[head]) {
                    done.remove(outstanding[head])
                    advance(outstanding[head])
                    head += 1
                }
            }
            for message in batch {
                if result != .done { break }
                if inFlight >= self.subscription.maxInFlight, let finished = await group.next() { handle(finished.0, finished.1) }
                if result != .done { break }
                outstanding.append(message.seq)
                inFlight += 1
                group.addTask { (message.seq, await self.deliver(message, generation: generation)) }
            }
            for await (seq, outcome) in group { handle(seq, outcome) }
            return result
        }
    }

    /// Delivers until acknowledged or dead-lettered, the lease is lost, or an operator resets the
    /// subscription (checked before every retry, so a message a subscriber always refuses cannot
    /// block a reset).
    func deliver(_ message: LogStore.Message, generation: Int64) async -> Delivery {
        var attempts = message.attempts
        while true {
            guard await self.manager.holdsLease(self.name, margin: self.subscription.timeout) else { return .stopped }
            attempts += 1
            EventBusMetrics.attempts(self.name).increment()
            let outcome = await self.post(message, attempt: attempts)
            switch outcome {
            case .success:
                EventBusMetrics.delivery(self.name, result: "ack").increment()
                if attempts > 1 { try? await self.store.clearAttempts(subscription: self.name, seq: message.seq) }
                return .done
            case .failure(let reason):
                EventBusMetrics.delivery(self.name, result: "retry").increment()
                self.logger.notice(
                    "delivery failed",
                    metadata: [
                        "subscription": "\(self.name)", "seq": "\(message.seq)", "attempt": "\(attempts)", "error": "\(reason)",
                    ])
                if self.subscription.maxDeliver > 0, attempts >= self.subscription.maxDeliver {
                    do {
                        try await self.store.deadLetter(subscription: self.name, seq: message.seq, attempts: attempts, error: reason)
                        EventBusMetrics.deadLetters(self.name).increment()
                        self.logger.warning("message dead-lettered", metadata: ["subscription": "\(self.name)", "seq": "\(message.seq)"])
                        return .done
                    } catch {
                        // Could not record it: keep the message and try again rather than lose it.
                        attempts -= 1
                    }
                } else {
                    try? await self.store.recordFailure(subscription: self.name, seq: message.seq, attempts: attempts, error: reason)
                }
                let until = ContinuousClock.now + self.subscription.backoff(afterFailures: attempts)
                while ContinuousClock.now < until {
                    if !self.manager.isHeld(self.name) || Task.isCancelled { return .stopped }
                    try? await Task.sleep(for: min(until - ContinuousClock.now, .milliseconds(250)))
                }
                if let current = try? await self.store.cursor(subscription: self.name), current.generation != generation {
                    return .abandoned
                }
            }
        }
    }

    enum Outcome {
        case success
        case failure(String)
    }

    private func post(_ message: LogStore.Message, attempt: Int) async -> Outcome {
        var request = HTTPClientRequest(url: self.subscription.url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(self.subscription.token.value)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Event-Seq", value: String(message.seq))
        request.headers.add(name: "Delivery-Attempt", value: String(attempt))
        request.headers.add(name: "Msg-Id", value: message.msgID)
        request.body = .bytes(
            Envelope.encode(
                subject: message.subject, data: ByteBuffer(string: message.data), timestamp: message.publishedAt, messageID: message.msgID))
        let http = self.http
        let timeout = self.subscription.timeout
        let frozen = request
        do {
            // The timeout covers the whole exchange: AsyncHTTPClient's own deadline ends at the response
            // head, and a subscriber that then stalls must not hold the subscription forever.
            let status = try await withTimeout(timeout) {
                let response = try await http.execute(frozen, timeout: .milliseconds(timeout.milliseconds))
                _ = try await response.body.collect(upTo: 64 * 1024)  // drain so the connection is reused
                return Int(response.status.code)
            }
            return (200..<300).contains(status) ? .success : .failure("HTTP \(status)")
        } catch is ReadinessTimeout {
            return .failure("no answer within \(timeout)")
        } catch {
            return .failure(String(describing: error))
        }
    }

    /// False if delivery must stop (lease lost, or a reset to reload first).
    private func serveRedeliveries(generation: Int64) async -> Bool {
        guard let messages = try? await self.store.takeRedeliveries(subscription: self.name) else { return true }
        for message in messages {
            guard await self.deliver(message, generation: generation) == .done else { return false }
            try? await self.store.finishRedelivery(subscription: self.name, seq: message.seq)
        }
        return true
    }
}
