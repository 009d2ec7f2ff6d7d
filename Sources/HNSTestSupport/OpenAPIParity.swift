import Foundation
import HNSCore
import Yams

/// Reads a daemon's OpenAPI document for the route-parity tests.
public enum OpenAPIParity {
    /// `METHOD /path` of every operation in the document.
    public static func operations(_ yaml: String) throws -> Set<String> {
        guard let document = try Yams.load(yaml: yaml) as? [String: Any], let paths = document["paths"] as? [String: Any] else { return [] }
        var operations = Set<String>()
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for (path, item) in paths {
            for key in ((item as? [String: Any]) ?? [:]).keys where methods.contains(key) { operations.insert("\(key.uppercased()) \(path)") }
        }
        return operations
    }

    /// The document's `x-problem-types` as `uri status title`.
    public static func problemTypes(_ yaml: String) throws -> Set<String> {
        guard let document = try Yams.load(yaml: yaml) as? [String: Any], let components = document["components"] as? [String: Any],
            let listed = components["x-problem-types"] as? [[String: Any]]
        else { return [] }
        return Set(listed.map { "\($0["type"] ?? "") \($0["status"] ?? "") \($0["title"] ?? "")" })
    }

    /// How a served document and its daemon disagree: operations only documented or only routed,
    /// problem types only documented or only catalogued (each a line; none when they agree).
    public static func differences(_ yaml: String, routes: Set<String>, catalogue types: [ProblemType]) throws -> [String] {
        var lines: [String] = []
        let documented = try Self.operations(yaml)
        if routes.isEmpty { lines.append("no routes") }
        for operation in documented.subtracting(routes).sorted() { lines.append("only documented: \(operation)") }
        for operation in routes.subtracting(documented).sorted() { lines.append("only routed: \(operation)") }
        let listed = try Self.problemTypes(yaml)
        let catalogued = Self.catalogue(types)
        for type in listed.subtracting(catalogued).sorted() { lines.append("problem type only documented: \(type)") }
        for type in catalogued.subtracting(listed).sorted() { lines.append("problem type only catalogued: \(type)") }
        if Set(types.map(\.slug)).count != types.count { lines.append("a slug is catalogued twice") }
        return lines
    }

    /// A catalogue as `uri status title`.
    public static func catalogue(_ types: [ProblemType]) -> Set<String> {
        Set(types.map { "\($0.uri) \($0.statusCode) \($0.title)" })
    }
}
