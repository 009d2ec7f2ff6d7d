import HTTPTypes
import Hummingbird

/// The methods each path of a daemon accepts, so that a request with a method its path does not
/// have is answered 405 with `Allow` (the router alone says 404). Filled once the routes are added
/// (`DaemonRouter.seal`).
public final class RouteTable: Sendable {
    struct Entry: Sendable {
        /// Path segments; nil stands for a captured parameter.
        let segments: [String?]
        let methods: Set<String>
    }

    private let entries = Locked<[Entry]>([])

    public init() {}

    func fill(_ routes: [(path: String, method: String)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        let entries = byPath.map { path, methods in
            Entry(
                segments: path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") || $0 == "*" ? nil : String($0) },
                methods: methods)
        }
        self.entries.withLock { $0 = entries }
    }

    /// The methods `path` accepts, sorted (HEAD where GET is); empty when no route has this path.
    public func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        var methods: Set<String> = []
        for entry in self.entries.value where entry.segments.count == parts.count {
            if zip(entry.segments, parts).allSatisfy({ segment, part in segment == nil || segment! == part }) {
                methods.formUnion(entry.methods)
            }
        }
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods.sorted()
    }
}
