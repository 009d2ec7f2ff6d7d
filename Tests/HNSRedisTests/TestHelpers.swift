import HNSRedis
import Testing

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Fails instead of hanging the whole test run when something never arrives.
func within<T: Sendable>(
    _ limit: Duration = .seconds(5), _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Polls until `condition` holds; for effects that are eventual by design (expiry, resubscribe).
func pollUntil(
    _ what: String, within limit: Duration = .seconds(5), _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while try await !condition() {
        guard clock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

func nextMessage(
    _ stream: AsyncThrowingStream<RedisPubSubMessage, any Error>, _ what: String = "a Pub/Sub message"
) async throws -> RedisPubSubMessage? {
    try await within(.seconds(5), what) {
        var iterator = stream.makeAsyncIterator()
        return try await iterator.next()
    }
}
