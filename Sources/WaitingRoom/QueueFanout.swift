import Foundation
import HNSCore
import HNSRedis
import Logging
import NIOCore
import ServiceLifecycle

/// Keeps this instance's clients informed: listens on the Pub/Sub channel (turns, ended windows, state
/// changes, socket claims from other instances) and pushes positions to every local client, in
/// batches, every `updateInterval` and at once when a match's line moved.
struct QueueFanout: Service {
    let store: QueueStore
    let hub: ConnectionHub
    let config: QueueConfiguration
    let logger: Logger
    let urgent: AsyncStream<String>
    let urgentContinuation: AsyncStream<String>.Continuation
    /// When this instance last marked its fans of a match as seen.
    private let touched = Locked<[String: ContinuousClock.Instant]>([:])

    init(store: QueueStore, hub: ConnectionHub, config: QueueConfiguration, logger: Logger) {
        self.store = store
        self.hub = hub
        self.config = config
        self.logger = logger
        (self.urgent, self.urgentContinuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listen() }
                group.addTask { await self.periodic() }
                group.addTask { await self.onUrgent() }
                group.addTask { await self.heartbeats() }
                await group.waitForAll()
            }
        }
        self.urgentContinuation.finish()
    }

    /// Announces that `connection` now holds this place, so older connections elsewhere close.
    func claim(_ subscriber: QueueSubscriber) async {
        let note = JSONValueEncoder.encode(["kind": "claim", "match": subscriber.matchID, "qid": subscriber.queueID, "conn": subscriber.id])
        _ = try? await self.store.redis.publish(channel: self.store.keys.channel, message: String(decoding: note, as: UTF8.self))
    }

    private func listen() async {
        await self.store.redis.listen(to: [self.store.keys.channel]) { message in self.handle(message.payload) }
    }

    private func handle(_ payload: ByteBuffer) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.readableBytesView)) as? [String: Any],
            let kind = object["kind"] as? String, let match = object["match"] as? String
        else { return }
        switch kind {
        case "turn":
            guard let qid = object["qid"] as? String, let token = object["token"] as? String, let ends = object["ends"] as? NSNumber,
                let subscriber = self.hub.subscriber(matchID: match, queueID: qid)
            else { return }
            subscriber.send(FanStatus.turn(token: token, endsAt: ends.int64Value).json)
        case "ended":
            guard let qid = object["qid"] as? String, let subscriber = self.hub.subscriber(matchID: match, queueID: qid) else { return }
            let reason = (object["reason"] as? String) ?? "ended"
            let type = reason.hasPrefix("queue.") ? "window_ended" : "not_in_queue"
            let short = reason.hasPrefix("queue.") ? String(reason.dropFirst(6)) : reason
            self.hub.unregister(subscriber, message: #"{"type":"\#(type)","reason":"\#(short)"}"#)
        case "claim":
            guard let qid = object["qid"] as? String, let conn = object["conn"] as? String else { return }
            self.hub.claim(matchID: match, queueID: qid, by: conn)
        case "state", "moved":
            self.urgentContinuation.yield(match)
        default:
            break
        }
    }

    private func periodic() async {
        while !Task.isCancelled {
            for match in self.hub.matchIDs { await self.refresh(match) }
            try? await Task.sleep(for: self.config.updateInterval)
        }
    }

    /// One loop pings every WebSocket of this instance and drops those not heard from for two
    /// intervals (instead of a ping task per socket).
    private func heartbeats() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.config.pingInterval)
            for (i, subscriber) in self.hub.all.enumerated() {
                if i % 512 == 511 { await Task.yield() }
                (subscriber.sink as? QueueSocketHandler)?.heartbeat()
            }
        }
    }

    private func onUrgent() async {
        for await match in self.urgent {
            await self.refresh(match)
        }
    }

    /// Pushes the current position to every local client of `match` (unchanged ones only when the
    /// heartbeat is due).
    func refresh(_ match: String) async {
        let subscribers = self.hub.subscribers(matchID: match)
        guard !subscribers.isEmpty else { return }
        do {
            guard let snapshot = try await self.store.snapshot(match) else {
                for s in subscribers { self.hub.unregister(s, message: FanStatus.gone(state: "closed").json) }
                return
            }
            let state = snapshot.settings.reportedState
            let zset = snapshot.settings.drawn ? self.store.keys.match(match).waiting : self.store.keys.match(match).prequeue
            // Marking a fan seen matters on the scale of the idle timeout (90 s), not of each refresh.
            let now = ContinuousClock.now
            let touch = self.touched.withLock { touched -> Bool in
                guard let last = touched[match], now - last < self.config.idleTimeout / 6 else {
                    touched[match] = now
                    return true
                }
                return false
            }
            let ranks = try await self.store.ranks(match, zset: zset, queueIDs: subscribers.map(\.queueID), touch: touch)
            var others: [QueueSubscriber] = []
            for (i, (subscriber, rank)) in zip(subscribers, ranks).enumerated() {
                // Jobs may run on an event loop (HNS_NIO_EXECUTOR): let its sockets' I/O in between.
                if i % 512 == 511 { await Task.yield() }
                guard let rank else {
                    others.append(subscriber)
                    continue
                }
                let status: FanStatus =
                    snapshot.settings.drawn
                    ? .waiting(position: rank + 1, estimatedWait: snapshot.estimatedWait(position: rank + 1), state: state)
                    : .inDraw(entrants: snapshot.prequeueSize, state: state)
                subscriber.send(status.json, repeatAfter: self.config.heartbeat)
            }
            // Not in line: admitted, drawn a moment ago, or gone. Few per round, so one by one.
            for subscriber in others {
                let status = try await self.store.status(match, queueID: subscriber.queueID)
                if case .gone = status {
                    self.hub.unregister(subscriber, message: status.json)
                } else if case .turn = status {
                    subscriber.send(status.json, repeatAfter: nil)  // a turn is told once, not repeated as a heartbeat
                } else {
                    subscriber.send(status.json, repeatAfter: self.config.heartbeat)
                }
            }
        } catch {
            self.logger.warning("position refresh failed", metadata: ["hns.match.id": "\(match)", "error": "\(error)"])
        }
    }
}
