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

    /// A catalogue as `uri status title`.
    public static func catalogue(_ types: [ProblemType]) -> Set<String> {
        Set(types.map { "\($0.uri) \($0.statusCode) \($0.title)" })
    }
}
