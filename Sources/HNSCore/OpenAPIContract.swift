import Foundation
import Yams

/// Completes a daemon's OpenAPI document with what every daemon serves alike (`shared`) and the
/// problem answers every operation can give by the shape of its request, the same rules for every
/// daemon, so that no document forgets one: any request can be unreadable (400); a body
/// can be malformed (400), too large (413) or invalid (422); a path with an id can name nothing
/// (404); query parameters can be invalid (422); a protected operation can lack a token (401) or
/// the right one (403). What an operation answers beyond these, its document lists itself.
public enum OpenAPIContract {
    public static func complete(_ yaml: String) throws -> String {
        guard var document = try Yams.load(yaml: yaml) as? [String: Any], var paths = document["paths"] as? [String: Any] else {
            return yaml
        }
        Self.addShared(&document)
        paths = (document["paths"] as? [String: Any]) ?? paths
        let globalSecurity = (document["security"] as? [Any])?.isEmpty == false
        let methods: Set<String> = ["get", "put", "post", "delete", "patch"]
        for (path, rawItem) in paths {
            guard var item = rawItem as? [String: Any] else { continue }
            let pathParameters = (item["parameters"] as? [[String: Any]]) ?? []
            for (method, rawOperation) in item where methods.contains(method) {
                guard var operation = rawOperation as? [String: Any] else { continue }
                var responses = (operation["responses"] as? [String: Any]) ?? [:]
                let parameters = pathParameters + ((operation["parameters"] as? [[String: Any]]) ?? [])
                // Any request can be unreadable (400, `ParserErrorAnswer`).
                var statuses = ["400"]
                if operation["requestBody"] != nil { statuses += ["413", "422"] }
                if path.contains("{") { statuses.append("404") }
                if parameters.contains(where: { ($0["in"] as? String) == "query" }) { statuses.append("422") }
                let security = operation["security"] as? [Any]
                if security.map({ !$0.isEmpty }) ?? globalSecurity || operation["x-hns-role"] != nil { statuses += ["401", "403"] }
                for status in statuses where responses[status] == nil {
                    responses[status] = ["$ref": "#/components/responses/Problem"]
                }
                operation["responses"] = responses
                item[method] = operation
            }
            paths[path] = item
        }
        document["paths"] = paths
        Self.assertFloor(&document)
        return try Yams.dump(object: document, width: -1, sortKeys: true)
    }

    /// What every daemon serves alike, written once: the problem shape, the common problem types
    /// and the routes of `HealthRoutes` and `OpenAPIRoute`. A document's own version of any of them wins.
    static let shared = """
        components:
          responses:
            Problem:
              description: An RFC 9457 problem.
              content:
                application/problem+json:
                  schema: {$ref: '#/components/schemas/Problem'}
          schemas:
            Problem:
              type: object
              required: [type, title, status]
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                errors:
                  type: array
                  items: {type: object, properties: {field: {type: string}, message: {type: string}}}
        paths:
          /healthz:
            get:
              summary: Liveness
              responses:
                '200': {description: alive, content: {application/json: {schema: {type: object}}}}
          /readyz:
            get:
              summary: Readiness (the daemon's checks)
              responses:
                '200': {description: ready, content: {application/json: {schema: {type: object}}}}
                '503': {description: not ready, content: {application/json: {schema: {type: object}}}}
          /metrics:
            get:
              summary: Prometheus metrics
              responses:
                '200': {description: text exposition format, content: {text/plain: {schema: {type: string}}}}
          /openapi.yaml:
            get:
              summary: This document
              responses:
                '200': {description: OpenAPI 3.1, content: {application/yaml: {schema: {type: string}}}}
        """

    static func addShared(_ document: inout [String: Any]) {
        guard let shared = (try? Yams.load(yaml: Self.shared)) as? [String: Any] else { return }
        var components = (document["components"] as? [String: Any]) ?? [:]
        for (section, raw) in (shared["components"] as? [String: Any]) ?? [:] {
            var mine = (components[section] as? [String: Any]) ?? [:]
            for (name, value) in (raw as? [String: Any]) ?? [:] where mine[name] == nil { mine[name] = value }
            components[section] = mine
        }
        // The problem types every daemon answers (`ProblemType.common`) head each catalogue.
        let listed = (components["x-problem-types"] as? [[String: Any]]) ?? []
        let named = Set(listed.compactMap { $0["type"] as? String })
        let common: [[String: Any]] = ProblemType.common.map { ["type": Problem.typeBase + $0.slug, "status": $0.statusCode, "title": $0.title] }
        components["x-problem-types"] = common.filter { !named.contains($0["type"] as? String ?? "") } + listed
        document["components"] = components
        var paths = (document["paths"] as? [String: Any]) ?? [:]
        for (path, item) in (shared["paths"] as? [String: Any]) ?? [:] where paths[path] == nil { paths[path] = item }
        document["paths"] = paths
    }

    /// What `JSONBodyRules` refuses in any string: control characters but tab, line feed and return.
    static let plainText = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    static let dateTime =
        "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    static let date = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
    static let uuid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

    /// The rules every request meets before a route reads it, written into each request schema and
    /// parameter (so a client generated from the document refuses what the server refuses): strings
    /// without control characters and at most `JSONBodyRules.maxStringLength` long, member names the
    /// same, formats asserted by pattern, and any JSON value a schema leaves open held to the same.
    static func assertFloor(_ document: inout [String: Any]) {
        var components = (document["components"] as? [String: Any]) ?? [:]
        var schemas = (components["schemas"] as? [String: Any]) ?? [:]
        let text: [String: Any] = ["type": "string", "maxLength": JSONBodyRules.maxStringLength, "pattern": Self.plainText]
        schemas["PlainJSON"] = [
            "description": "any JSON value whose strings and member names are plain text",
            "anyOf": [
                ["type": ["null", "boolean", "number"]], text,
                ["type": "array", "items": ["$ref": "#/components/schemas/PlainJSON"]],
                ["type": "object", "propertyNames": text, "additionalProperties": ["$ref": "#/components/schemas/PlainJSON"]],
            ],
        ]
        // Component schemas are shared by requests and answers; answers meet the same rules (they
        // hold what requests brought), so every component is held to them.
        for (name, schema) in schemas where name != "PlainJSON" && name != "Problem" {
            schemas[name] = Self.floor(schema)
        }
        components["schemas"] = schemas
        document["components"] = components
        guard var paths = document["paths"] as? [String: Any] else { return }
        for (path, rawItem) in paths {
            guard var item = rawItem as? [String: Any] else { continue }
            if let parameters = item["parameters"] as? [[String: Any]] { item["parameters"] = parameters.map(Self.floorParameter) }
            for (method, rawOperation) in item {
                guard var operation = rawOperation as? [String: Any] else { continue }
                if let parameters = operation["parameters"] as? [[String: Any]] { operation["parameters"] = parameters.map(Self.floorParameter) }
                if var body = operation["requestBody"] as? [String: Any], var content = body["content"] as? [String: Any] {
                    for (type, rawMedia) in content where type.contains("json") {
                        guard var media = rawMedia as? [String: Any], let schema = media["schema"] else { continue }
                        media["schema"] = Self.floor(schema)
                        content[type] = media
                    }
                    body["content"] = content
                    operation["requestBody"] = body
                }
                item[method] = operation
            }
            paths[path] = item
        }
        document["paths"] = paths
    }

    static func floorParameter(_ parameter: [String: Any]) -> [String: Any] {
        var parameter = parameter
        if let schema = parameter["schema"] { parameter["schema"] = Self.floor(schema) }
        return parameter
    }

    /// A schema marked `x-hns-raw: true` (a message the bus stores byte for byte) is left as written.
    static func floor(_ raw: Any) -> Any {
        guard var schema = raw as? [String: Any] else { return raw }
        if schema["$ref"] != nil || schema["x-hns-raw"] as? Bool == true { return schema }
        if schema.isEmpty { return ["$ref": "#/components/schemas/PlainJSON"] }
        let types: Set<String> =
            (schema["type"] as? String).map { [$0] } ?? Set((schema["type"] as? [Any])?.compactMap { $0 as? String } ?? [])
        if types.contains("string") {
            if schema["pattern"] == nil {
                switch schema["format"] as? String {
                case "date-time": schema["pattern"] = Self.dateTime
                case "date": schema["pattern"] = Self.date
                case "uuid": schema["pattern"] = Self.uuid
                default: if schema["enum"] == nil { schema["pattern"] = Self.plainText }
                }
            }
            if schema["maxLength"] == nil, schema["enum"] == nil { schema["maxLength"] = JSONBodyRules.maxStringLength }
        }
        if types.contains("object") || schema["properties"] != nil {
            if schema["propertyNames"] == nil {
                schema["propertyNames"] = ["maxLength": JSONBodyRules.maxStringLength, "pattern": Self.plainText]
            }
            if var properties = schema["properties"] as? [String: Any] {
                for (name, property) in properties { properties[name] = Self.floor(property) }
                schema["properties"] = properties
            }
            switch schema["additionalProperties"] {
            case nil, true as Bool: schema["additionalProperties"] = ["$ref": "#/components/schemas/PlainJSON"]
            case let nested as [String: Any]: schema["additionalProperties"] = Self.floor(nested)
            default: break
            }
        }
        if types.contains("array") {
            schema["items"] = schema["items"].map(Self.floor) ?? ["$ref": "#/components/schemas/PlainJSON"]
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let list = schema[key] as? [Any] { schema[key] = list.map(Self.floor) }
        }
        return schema
    }
}
