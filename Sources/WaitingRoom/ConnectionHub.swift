import Foundation
import Metrics
import Synchronization

/// Where a client's messages go: a WebSocket's channel handler or a Server-Sent Events stream.
protocol QueueSink: AnyObject, Sendable {
    func deliver(_ text: String)
    /// Sends `text` (if any), then ends the connection.
    func close(after text: String?)
}

/// One live client of this instance (WebSocket or SSE stream).
final class QueueSubscriber: Sendable {
    let id: String
    let matchID: String
    let queueID: String
    let sink: any QueueSink
    private let last = Mutex<(text: String, at: ContinuousClock.Instant)?>(nil)

    init(id: String, matchID: String, queueID: String, sink: any QueueSink) {
        self.id = id
        self.matchID = matchID
        self.queueID = queueID
        self.sink = sink
    }

    /// Sends `text` unless it repeats the last message sent less than `repeatAfter` ago (nil: never repeat it).
    @discardableResult
    func send(_ text: String, repeatAfter: Duration? = .zero) -> Bool {
        let now = ContinuousClock.now
        let due = self.last.withLock { last -> Bool in
            if let previous = last, previous.text == text, repeatAfter.map({ now - previous.at < $0 }) ?? true { return false }
            last = (text, now)
            return true
        }
        guard due else { return false }
        self.sink.deliver(text)
        QueueMetrics.messagesSent.increment()
        return true
    }

    /// Ends the client's connection after `text`.
    func finish(_ text: String? = nil) {
        if text != nil { QueueMetrics.messagesSent.increment() }
        self.sink.close(after: text)
    }
}

/// An SSE response's messages: a small buffer that keeps only the newest, so a slow client cannot
/// make us hoard memory.
final class StreamSink: QueueSink {
    let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (self.stream, self.continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4))
    }

    func deliver(_ text: String) { self.continuation.yield(text) }

    func close(after text: String?) {
        if let text { self.continuation.yield(text) }
        self.continuation.finish()
    }
}

/// The clients connected to this instance, by match and queue id. At most one per queue id: a second
/// connection for the same place replaces the first (here, and on other instances through a claim).
final class ConnectionHub: Sendable {
    let instanceID: String
    private let state = Mutex<[String: [String: QueueSubscriber]]>([:])
    private let counter = Atomic<Int>(0)
    private let open = Atomic<Int>(0)

    init(instanceID: String) {
        self.instanceID = instanceID
    }

    func register(matchID: String, queueID: String, sink: any QueueSink) -> QueueSubscriber {
        let n = self.counter.add(1, ordering: .relaxed).newValue
        let subscriber = QueueSubscriber(id: "\(self.instanceID)/\(n)", matchID: matchID, queueID: queueID, sink: sink)
        let replaced = self.state.withLock { state in
            let old = state[matchID]?[queueID]
            state[matchID, default: [:]][queueID] = subscriber
            return old
        }
        if let replaced {
            replaced.finish(#"{"type":"replaced"}"#)
        } else {
            QueueMetrics.socketsOpen(self.open.add(1, ordering: .relaxed).newValue)
        }
        return subscriber
    }

    func unregister(_ subscriber: QueueSubscriber, message: String? = nil) {
        let removed = self.state.withLock { state -> Bool in
            guard state[subscriber.matchID]?[subscriber.queueID] === subscriber else { return false }
            state[subscriber.matchID]?[subscriber.queueID] = nil
            if state[subscriber.matchID]?.isEmpty == true { state[subscriber.matchID] = nil }
            return true
        }
        if removed { QueueMetrics.socketsOpen(self.open.subtract(1, ordering: .relaxed).newValue) }
        subscriber.finish(message)
    }

    /// Another connection (maybe on another instance) took this place: close ours.
    func claim(matchID: String, queueID: String, by connection: String) {
        guard let current = self.subscriber(matchID: matchID, queueID: queueID), current.id != connection else { return }
        self.unregister(current, message: #"{"type":"replaced"}"#)
    }

    func subscriber(matchID: String, queueID: String) -> QueueSubscriber? {
        self.state.withLock { $0[matchID]?[queueID] }
    }

    func subscribers(matchID: String) -> [QueueSubscriber] {
        self.state.withLock { state in state[matchID].map { Array($0.values) } ?? [] }
    }

    var matchIDs: [String] { self.state.withLock { Array($0.keys) } }
    var all: [QueueSubscriber] { self.state.withLock { $0.values.flatMap(\.values) } }
    var count: Int { self.open.load(ordering: .relaxed) }
}
