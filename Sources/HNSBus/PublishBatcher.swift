import Logging
import NIOCore

/// Coalesces concurrent publishes into atomic batch requests (`POST /v1/publish`): while a batch
/// is on its way, the publishes that arrive meanwhile wait together for the next one. Each caller
/// still gets its own ack only after the bus committed its message, so the guarantee of
/// `BusPublisher.publish` holds, at one HTTP exchange and one commit per batch instead of one per
/// message. A batch the bus refuses as a whole (one bad item) is retried item by item, so one bad
/// message never fails the others.
public actor PublishBatcher {
    public let publisher: BusPublisher
    /// Most messages in one batch request.
    public let maxCount: Int
    /// Most payload bytes in one batch request (the bus accepts up to 16 × its message limit).
    public let maxBytes: Int
    /// Batches on their way at once. One by default: the bus commits one group at a time anyway, and
    /// while a batch is out the next one gathers everything that arrives meanwhile. With eight, 32
    /// concurrent webhooks went out in batches of two to four and routed no faster than single
    /// publishes; with one, about 45 % faster (`scripts/bench-router`).
    public let maxInFlight: Int

    private struct Waiting {
        let item: BusPublisher.BatchItem
        var continuations: [CheckedContinuation<BusPublisher.Ack, any Error>]
    }

    private var queue: [Waiting] = []
    private var inFlight = 0
    /// Batch requests sent so far (tests and metrics).
    public private(set) var batchesSent = 0

    public init(publisher: BusPublisher, maxCount: Int = 64, maxBytes: Int = 4 << 20, maxInFlight: Int = 1) {
        self.publisher = publisher
        self.maxCount = max(1, maxCount)
        self.maxBytes = max(1, maxBytes)
        self.maxInFlight = max(1, maxInFlight)
    }

    /// Publishes one message as part of the next batch; returns its ack once committed.
    public func publish(subject: String, msgID: String, data: ByteBuffer) async throws(BusPublisher.Failure) -> BusPublisher.Ack {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                // The same Msg-Id already waiting (a Stripe retry racing its original): one item, both answered.
                if let i = self.queue.firstIndex(where: { $0.item.msgID == msgID }) {
                    self.queue[i].continuations.append(continuation)
                } else {
                    self.queue.append(Waiting(item: .init(subject: subject, msgID: msgID, data: data), continuations: [continuation]))
                }
                self.launch()
            }
        } catch let failure as BusPublisher.Failure {
            throw failure
        } catch {
            throw .unavailable(String(describing: error))
        }
    }

    private func launch() {
        while self.inFlight < self.maxInFlight, !self.queue.isEmpty {
            var count = 0
            var bytes = 0
            while count < self.queue.count, count < self.maxCount {
                let size = self.queue[count].item.data.readableBytes
                if count > 0, bytes + size > self.maxBytes { break }
                bytes += size
                count += 1
            }
            let batch = Array(self.queue.prefix(count))
            self.queue.removeFirst(count)
            self.inFlight += 1
            self.batchesSent += 1
            let publisher = self.publisher
            Task {
                let results = await Self.send(batch.map(\.item), publisher: publisher)
                await self.finish(batch, results)
            }
        }
    }

    private func finish(_ batch: [Waiting], _ results: [Result<BusPublisher.Ack, BusPublisher.Failure>]) {
        for (waiting, result) in zip(batch, results) {
            for continuation in waiting.continuations { continuation.resume(with: result.mapError { $0 as any Error }) }
        }
        self.inFlight -= 1
        self.launch()
    }

    private static func send(_ items: [BusPublisher.BatchItem], publisher: BusPublisher) async -> [Result<BusPublisher.Ack, BusPublisher.Failure>] {
        if items.count == 1 {
            let item = items[0]
            do { return [.success(try await publisher.publish(subject: item.subject, msgID: item.msgID, data: item.data))] } catch {
                return [.failure(error)]
            }
        }
        do {
            let acks = try await publisher.publishBatch(items)
            guard acks.count == items.count else {
                return items.map { _ in .failure(.unavailable("batch answer has \(acks.count) acks for \(items.count) messages")) }
            }
            return acks.map { .success($0) }
        } catch let failure {
            guard case .rejected = failure else { return items.map { _ in .failure(failure) } }
            // One item spoiled the batch: each on its own, so only that one fails; all at once, since the
            // next batch waits for this one.
            return await withTaskGroup(of: (Int, Result<BusPublisher.Ack, BusPublisher.Failure>).self) { group in
                for (i, item) in items.enumerated() {
                    group.addTask {
                        do { return (i, .success(try await publisher.publish(subject: item.subject, msgID: item.msgID, data: item.data))) } catch {
                            return (i, .failure(error as? BusPublisher.Failure ?? .unavailable(String(describing: error))))
                        }
                    }
                }
                var results = [Result<BusPublisher.Ack, BusPublisher.Failure>](repeating: .failure(.unavailable("not sent")), count: items.count)
                for await (i, result) in group { results[i] = result }
                return results
            }
        }
    }
}
