import Foundation

/// Splits a SQL file into statements, because postgres-nio speaks only the extended protocol
/// (one statement per query). Knows quotes, dollar quoting, and both comment styles, so a `;`
/// inside a function body or a string does not split.
public enum SQLScript {
    public static func statements(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var out: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < chars.count ? chars[i + offset] : nil }
        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty, !Self.isOnlyComments(text) { out.append(text) }
            current = .init()
        }
        while i < chars.count {
            let c = chars[i]
            if c == "-", peek(1) == "-" {
                while i < chars.count, chars[i] != "\n" {
                    current.append(chars[i])
                    i += 1
                }
                continue
            }
            if c == "/", peek(1) == "*" {
                var depth = 0
                repeat {
                    if chars[i] == "/", peek(1) == "*" {
                        depth += 1
                        current.append(chars[i])
                        i += 1
                    } else if chars[i] == "*", peek(1) == "/" {
                        depth -= 1
                        current.append(chars[i])
                        i += 1
                    }
                    current.append(chars[i])
                    i += 1
                } while i < chars.count && depth > 0
                continue
            }
            if c == "'" || c == "\"" {
                current.append(c)
                i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == c {
                        if peek(1) == c {
                            i += 2
                            current.append(c)
                            continue
                        }  // doubled quote
                        i += 1
                        break
                    }
                    i += 1
                }
                continue
            }
            if c == "$", let tag = Self.dollarTag(chars, at: i) {
                for s in tag.unicodeScalars { current.append(s) }
                i += tag.unicodeScalars.count
                let tagScalars = Array(tag.unicodeScalars)
                while i < chars.count {
                    if chars[i] == "$", i + tagScalars.count <= chars.count, Array(chars[i..<(i + tagScalars.count)]) == tagScalars {
                        for s in tagScalars { current.append(s) }
                        i += tagScalars.count
                        break
                    }
                    current.append(chars[i])
                    i += 1
                }
                continue
            }
            if c == ";" {
                flush()
                i += 1
                continue
            }
            current.append(c)
            i += 1
        }
        flush()
        return out
    }

    private static func dollarTag(_ chars: [Unicode.Scalar], at start: Int) -> String? {
        var j = start + 1
        var tag = "$"
        while j < chars.count {
            let c = chars[j]
            if c == "$" { return tag + "$" }
            guard c.properties.isAlphabetic || c == "_" || (c.properties.numericType != nil && j > start + 1) else { return nil }
            tag.unicodeScalars.append(c)
            j += 1
        }
        return nil
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }
}
