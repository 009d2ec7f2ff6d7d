import Foundation
import NIOCore
import NIOPosix

public enum EventLoopExecutor {
    /// Runs Swift concurrency's global executor on NIO's event loops, so a request handler that
    /// awaits network I/O does not hop between NIO's threads and the cooperative pool on every
    /// await. `HNS_NIO_EXECUTOR=off` keeps Swift's own pool. Call first thing in `main`: it runs
    /// before the daemon's configuration is read, so a bad value stops the daemon here.
    public static func installUnlessDisabled(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let raw = environment["HNS_EVENT_LOOP_THREADS"], !raw.isEmpty {
            guard let n = Int(raw), (1...256).contains(n) else {
                FileHandle.standardError.write(Data("configuration error: HNS_EVENT_LOOP_THREADS=\(raw) is not a number from 1 to 256\n".utf8))
                exit(2)
            }
            NIOSingletons.groupLoopCountSuggestion = n
        }
        switch (environment["HNS_NIO_EXECUTOR"] ?? "on").lowercased() {
        case "on", "true", "1": NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        case "off", "false", "0": return
        case let other:
            FileHandle.standardError.write(Data("configuration error: HNS_NIO_EXECUTOR=\(other) is not on or off\n".utf8))
            exit(2)
        }
    }
}

/// Sleeps on a NIO event loop's timer. With NIO as the global executor, Swift's `Task.sleep` still
/// goes through Dispatch (Swift 6.2+ schedules delayed jobs on its own executor): a timer on
/// Dispatch's manager thread, and the task resumed on a Dispatch worker thread before it hops back
/// to NIO's. For a timeout armed on every message and nearly always cancelled that cost a tenth of
/// the bus's CPU; NIO's timer is a heap entry on the loop the task already runs on. Throws
/// `CancellationError` when the task is cancelled, as `Task.sleep` does.
public func loopSleep(for duration: Duration) async throws {
    try Task.checkCancellation()
    let (seconds, attoseconds) = duration.components
    let nanoseconds: Int64
    if seconds < 0 || (seconds == 0 && attoseconds <= 0) {
        nanoseconds = 0
    } else if seconds >= Int64.max / 1_000_000_000 - 1 {
        nanoseconds = Int64.max  // centuries: clamped ("forever"), where the multiplication would trap
    } else {
        nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
    let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) {}
    do {
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    } catch EventLoopError.cancelled {
        throw CancellationError()
    }
}
