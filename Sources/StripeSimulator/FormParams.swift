import Foundation

/// Request parameters as Stripe reads them: `application/x-www-form-urlencoded` pairs whose keys
/// may carry brackets (`metadata[order_id]=o-1`, `automatic_payment_methods[enabled]=true`). The last
/// occurrence of a key wins; parameters nobody asks for are ignored.
struct FormParams: Sendable {
    private(set) var pairs: [(key: String, value: String)] = []

    init() {}

    init(encoded: String) {
        for part in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let (rawKey, rawValue): (Substring, Substring)
            if let eq = part.firstIndex(of: "=") {
                (rawKey, rawValue) = (part[..<eq], part[part.index(after: eq)...])
            } else {
                (rawKey, rawValue) = (part, "")
            }
            let key = Self.decode(rawKey)
            guard !key.isEmpty else { continue }
            self.pairs.append((key, Self.decode(rawValue)))
        }
    }

    /// Form body, or a JSON object of scalars (the simulator's own controls accept both).
    init(body: [UInt8], contentType: String?) {
        if contentType?.lowercased().contains("json") == true {
            self.init()
            guard !body.isEmpty,
                let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            else { return }
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                // Only booleans and strings matter to the controls (`deliver`, `outcome`); a number that
                // reads as a Bool on Linux lands on "true"/"false", which the controls accept alike.
                switch value {
                case let s as String: self.pairs.append((key, s))
                case let b as Bool: self.pairs.append((key, b ? "true" : "false"))
                case let n as Int: self.pairs.append((key, String(n)))
                default: continue
                }
            }
        } else {
            self.init(encoded: String(decoding: body, as: UTF8.self))
        }
    }

    mutating func merge(_ other: FormParams) {
        self.pairs.append(contentsOf: other.pairs)
    }

    /// The value of `key`; an empty value counts as absent, as Stripe treats `description=` as unset.
    func string(_ key: String) -> String? {
        guard let value = self.pairs.last(where: { $0.key == key })?.value, !value.isEmpty else { return nil }
        return value
    }

    /// `name[sub]=value` pairs as `(sub, value)`, sorted by `sub`, last occurrence winning.
    func hash(_ name: String) -> [(String, String)] {
        let prefix = name + "["
        var result: [String: String] = [:]
        for (key, value) in self.pairs where key.hasPrefix(prefix) && key.hasSuffix("]") {
            let sub = String(key.dropFirst(prefix.count).dropLast())
            guard !sub.isEmpty, !sub.contains("[") else { continue }
            result[sub] = value
        }
        return result.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private static func decode(_ raw: Substring) -> String {
        let spaced = raw.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
