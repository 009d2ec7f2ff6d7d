import AsyncHTTPClient
import Foundation
import HNSBus
import HNSCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs the subscriptions this instance holds a lease for. Leases live in PostgreSQL, so any number
/// of instances deliver each subscription exactly once at a time, and a dead instance's
/// subscriptions move to a live one when its lease runs out (the subscription timeout + 5 s).
public final class DeliveryManager: Service, Sendable {
    let config: EventBusConfiguration
    let store: LogStore
    let http: HTTPClient
    let logger: Logger
    let leases = Locked<[String: ContinuousClock.Instant]>([:])
    let signals: [String: WakeSignal]
    let stopping = Locked(false)

    init(config: EventBusConfiguration, store: LogStore, http: HTTPClient, logger: Logger) {
        self.config = config
        self.store = store
        self.http = http
        self.logger = logger
        var signals: [String: WakeSignal] = [:]
        for sub in config.stream.subscriptions { signals[sub.name] = WakeSignal() }
        self.signals = signals
    }

    /// A worker starts an attempt only with at least `timeout` of lease left, so no attempt outlives the
    /// lease; the extra 5 s keeps a renewal that is a little late (a loaded machine) from pausing delivery.
    static func leaseTTL(_ sub: StreamConfig.Subscription) -> Duration { sub.timeout + .seconds(5) }

    public func run() async throws {
        let subs = self.config.stream.subscriptions
        // The database may still be starting: keep trying rather than failing the daemon.
        var attempt = 0
        while !Task.isShuttingDownGracefully {
            if Task.isCancelled { return }
            do {
                try await self.store.ensureStream()
                try await self.store.syncSubscriptions(subs)
                break
            } catch {
                attempt += 1
                self.logger.warning("cannot sync subscriptions yet", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: Backoff(base: .milliseconds(200), maximum: .seconds(5)).delay(attempt: attempt))
            }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen() }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await self.maintainLeases(subs) { sub, lease in
                    group.addTask { await self.work(sub, lease: lease) }
                }
                try? await Task.sleep(for: .seconds(1))
            }
            self.stopping.withLock { $0 = true }
            self.leases.withLock { $0.removeAll() }
            for s in self.signals.values { s.signal() }
            // Workers finish the attempt in flight, store their cursor and return; then stop listening.
            while self.running.value > 0, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
        }
        try? await self.store.releaseLeases(owner: self.config.instanceID)
    }

    let running = Locked(0)

    private func maintainLeases(_ subs: [StreamConfig.Subscription], spawn: (StreamConfig.Subscription, LogStore.Lease) -> Void) async {
        let byName = Dictionary(uniqueKeysWithValues: subs.map { ($0.name, $0) })
        let held = Array(self.leases.value.keys)
        if !held.isEmpty {
            let sent = ContinuousClock.now
            do {
                let kept = try await self.store.renewLeases(
                    names: held, ttls: held.map { Self.leaseTTL(byName[$0]!).seconds }, owner: self.config.instanceID)
                self.leases.withLock { leases in
                    for name in held {
                        if kept.contains(name), leases[name] != nil {
                            leases[name] = sent + Self.leaseTTL(byName[name]!) - .milliseconds(500)
                        } else {
                            leases[name] = nil
                        }
                    }
                }
                for name in held where !kept.contains(name) {
                    self.logger.warning("lost subscription lease", metadata: ["subscription": "\(name)"])
                    self.signals[name]?.signal()
                }
            } catch {
                self.logger.warning("lease renewal failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        let free = subs.filter { self.leases.value[$0.name] == nil && !self.active.value.contains($0.name) }
        guard !free.isEmpty else { return }
        let sent = ContinuousClock.now
        do {
            let acquired = try await self.store.acquireLeases(
                names: free.map(\.name), ttls: free.map { Self.leaseTTL($0).seconds }, owner: self.config.instanceID)
            for lease in acquired {
                guard let sub = byName[lease.name] else { continue }
                self.leases.withLock { $0[lease.name] = sent + Self.leaseTTL(sub) - .milliseconds(500) }
                self.active.withLock { $0.insert(lease.name) }
                self.logger.info("delivering subscription", metadata: ["subscription": "\(lease.name)", "from_seq": "\(lease.ackedSeq + 1)"])
                spawn(sub, lease)
            }
        } catch {
            self.logger.warning("lease acquisition failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Names with a worker still running (it may be finishing after losing its lease).
    let active = Locked<Set<String>>([])

    private func work(_ sub: StreamConfig.Subscription, lease: LogStore.Lease) async {
        self.running.withLock { $0 += 1 }
        let worker = SubscriptionWorker(
            subscription: sub, store: self.store, http: self.http, owner: self.config.instanceID,
            signal: self.signals[sub.name]!, manager: self, safetyPoll: self.config.safetyPoll,
            maxMessageSize: self.config.stream.maxMessageSize, logger: self.logger)
        await worker.run(cursor: lease.ackedSeq, generation: lease.generation)
        self.leases.withLock { $0[sub.name] = nil }
        self.active.withLock { _ = $0.remove(sub.name) }
        self.running.withLock { $0 -= 1 }
    }

    /// True while this instance holds the lease with at least `margin` left; waits out short renewal delays.
    func holdsLease(_ name: String, margin: Duration) async -> Bool {
        while true {
            if self.stopping.value || Task.isCancelled { return false }
            guard let until = self.leases.value[name] else { return false }
            if until - ContinuousClock.now >= margin { return true }
            if until < ContinuousClock.now { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    func isHeld(_ name: String) -> Bool {
        !self.stopping.value && self.leases.value[name] != nil
    }

    /// LISTEN on a dedicated connection; every commit wakes every worker of this instance.
    private func listen() async {
        var attempt = 0
        while !Task.isCancelled {
            do {
                try await self.store.client.withConnection { connection in
                    try await connection.listen(on: "eventbus_published") { notifications in
                        attempt = 0
                        for s in self.signals.values { s.signal() }  // catch up on anything missed while not listening
                        for try await notification in notifications { self.wake(forPayload: notification.payload) }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                attempt += 1
                self.logger.debug("listen connection lost", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: Backoff(base: .milliseconds(100), maximum: .seconds(5)).delay(attempt: attempt))
            }
        }
    }

    /// A publish names its subjects: only subscriptions that want one of them wake (a worker woken for
    /// nothing still costs a query). Anything else (`*`, operator actions) wakes every worker.
    func wake(forPayload payload: String) {
        let subjects = payload.split(separator: " ").map(String.init)
        let all = subjects.isEmpty || subjects.contains { !Subject.isValidLiteral($0) }
        for sub in self.config.stream.subscriptions where all || subjects.contains(where: sub.matches) {
            self.signals[sub.name]?.signal()
        }
    }

    /// Wakes a subscription's worker (after an operator reset or redeliver request).
    public func wake(_ name: String) {
        self.signals[name]?.signal()
    }
}
