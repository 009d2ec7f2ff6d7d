import Foundation
import HNSCore

/// What the simulated API was asked, and its rate limit: Stripe answers 429 to requests beyond an
/// account's rate (live mode: 100 per second), with a token bucket as Stripe describes its request
/// rate limiter (a full bucket holds one window's requests and refills evenly). A request counts
/// when it arrives, answered or refused. `maxPerSecond` (the busiest calendar second of accepted
/// requests) is what a benchmark reads to show a client kept to a rate.
struct Traffic: Sendable {
    var limit: RateLimit?
    var requests = 0
    var rateLimited = 0
    var maxPerSecond = 0
    var refundsCreated = 0
    var firstRefundAt: Double?
    var lastRefundAt: Double?
    private var second: Int64 = 0
    private var inSecond = 0
    private var tokens: Double
    private var refilledAt: Double?

    init(limit: RateLimit?) {
        self.limit = limit
        self.tokens = Double(limit?.count ?? 0)
    }

    /// Counts a request arriving at `now` (seconds); false when the rate refuses it.
    mutating func admit(at now: Double) -> Bool {
        self.requests += 1
        if let limit = self.limit {
            let window = Double(limit.window.components.seconds) + Double(limit.window.components.attoseconds) / 1e18
            let elapsed = max(0, now - (self.refilledAt ?? now))
            self.tokens = min(Double(limit.count), self.tokens + elapsed * Double(limit.count) / window)
            self.refilledAt = now
            guard self.tokens >= 1 else {
                self.rateLimited += 1
                return false
            }
            self.tokens -= 1
        }
        let second = Int64(now.rounded(.down))
        if second != self.second {
            self.second = second
            self.inSecond = 0
        }
        self.inSecond += 1
        self.maxPerSecond = max(self.maxPerSecond, self.inSecond)
        return true
    }

    mutating func refundCreated(at now: Double) {
        self.refundsCreated += 1
        if self.firstRefundAt == nil { self.firstRefundAt = now }
        self.lastRefundAt = now
    }

    var json: StripeJSON {
        .object([
            ("object", "simulator_traffic"), ("requests", .int(self.requests)), ("rate_limited", .int(self.rateLimited)),
            ("max_requests_per_second", .int(self.maxPerSecond)), ("refunds_created", .int(self.refundsCreated)),
            ("first_refund_at", self.firstRefundAt.map { .string(String(format: "%.3f", $0)) } ?? .null),
            ("last_refund_at", self.lastRefundAt.map { .string(String(format: "%.3f", $0)) } ?? .null),
            ("rate_limit_count", self.limit.map { .int($0.count) } ?? .null),
            ("rate_limit_window_ms", self.limit.map { .int(Int($0.window.milliseconds)) } ?? .null),
        ])
    }
}
