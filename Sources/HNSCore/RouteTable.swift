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

    /// The methods `path` accepts, sorted; empty when no route has this path.
    /// Like the router, a path's literal segments win over captures (`/blacklist/hits` is not
    /// `/blacklist/{id}`): only the most literal of the matching routes count.
    public func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        var best: (captures: Int, methods: Set<String>)?
        for entry in self.entries.value where entry.segments.count == parts.count {
            guard zip(entry.segments, parts).allSatisfy({ segment, part in segment == nil || segment! == part }) else { continue }
            let captures = entry.segments.filter { $0 == nil }.count
            if best == nil || captures < best!.captures {
                best = (captures, entry.methods)
            } else if captures == best!.captures {
                best!.methods.formUnion(entry.methods)
            }
        }
        return (best?.methods ?? []).sorted()
    }
}
