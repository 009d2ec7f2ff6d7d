import Synchronization

/// A lock-protected value that is `Sendable` and usable from any isolation (a thin `Mutex` wrapper
/// that can live in a class or be captured by closures).
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { self.mutex = Mutex(value) }

    @discardableResult
    public func withLock<R: Sendable>(_ body: (inout sending Value) throws -> sending R) rethrows -> R {
        try self.mutex.withLock(body)
    }

    public var value: Value { self.mutex.withLock { $0 } }
}
