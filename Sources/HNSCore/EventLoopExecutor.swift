import Foundation
import NIOCore
import NIOPosix

public enum EventLoopExecutor {
    /// Runs Swift concurrency's global executor on NIO's event loops, so a request handler that
    /// awaits network I/O does not hop between NIO's threads and the cooperative pool on every
    /// await. `HNS_NIO_EXECUTOR=off` keeps Swift's own pool. Call first thing in `main`.
    public static func installUnlessDisabled(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard (environment["HNS_NIO_EXECUTOR"] ?? "on").lowercased() != "off" else { return }
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
