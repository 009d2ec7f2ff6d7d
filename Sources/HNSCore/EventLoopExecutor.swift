import Foundation
import NIOCore
import NIOPosix

public enum EventLoopExecutor {
    /// Runs Swift concurrency's global executor on NIO's event loops, so a request handler that
    /// awaits network I/O does not hop between NIO's threads and the cooperative pool on every
    /// await. `HNS_NIO_EXECUTOR=off` keeps Swift's own pool. Call first thing in `main`: it runs
    /// before the daemon's configuration is read, so a bad value stops the daemon here.
    public static func installUnlessDisabled(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        switch (environment["HNS_NIO_EXECUTOR"] ?? "on").lowercased() {
        case "on", "true", "1": NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        case "off", "false", "0": return
        case let other:
            FileHandle.standardError.write(Data("configuration error: HNS_NIO_EXECUTOR=\(other) is not on or off\n".utf8))
            exit(2)
        }
    }
}
