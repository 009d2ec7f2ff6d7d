/// A strict JSON reader (RFC 8259) over bytes, for what the bus and the router need of a message: is
/// it one JSON value; for a batch publish, each item's `subject`, `msg_id` and the raw bytes of its
/// `data` (stored byte for byte, as a single publish stores its body); for a Stripe event, a few string
/// fields by path. One pass, no value built per member. UTF-8 outside the strings read here is checked
/// by the caller (the text is made a `String` with validation).
public enum RawJSON {
    /// One item of a batch as read; `subject` is nil when missing or not a string, `msgID` when
    /// missing or not a string (no Msg-Id), `data` when missing.
    public struct Item: Sendable {
        public var isObject = true
        public var subject: String?
        public var msgID: String?
        public var data: Range<Int>?
        /// `msg_id` is there but not a string.
        public var msgIDNotString = false
    }

    /// Is `bytes` exactly one JSON value (any type), with only whitespace around it?
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        var reader = Reader(bytes)
        return reader.document()
    }

    /// The items of a batch, or nil when the body is not valid JSON or not an array.
    public static func batch(_ bytes: [UInt8]) -> [Item]? {
        var reader = Reader(bytes)
        return reader.batch()
    }

    /// For a document that is one JSON object: the string at each path of member names (nil where
    /// the member is missing or not a string; with a repeated name the last wins). Nil when the bytes
    /// are not valid JSON or not an object.
    public static func strings(_ bytes: [UInt8], at paths: [[String]]) -> [String?]? {
        var reader = Reader(bytes)
        reader.want(paths)
        reader.ws()
        guard reader.peek == 0x7B, reader.value(depth: 0) else { return nil }
        reader.ws()
        guard reader.i == bytes.count else { return nil }
        return reader.found.map { $0.flatMap(reader.string(at:)) }
    }

    /// Which of `paths` are present in the object (any value, null included); nil as for `strings`.
    public static func present(_ bytes: [UInt8], at paths: [[String]]) -> [Bool]? {
        var reader = Reader(bytes)
        reader.want(paths)
        reader.ws()
        guard reader.peek == 0x7B, reader.value(depth: 0) else { return nil }
        reader.ws()
        guard reader.i == bytes.count else { return nil }
        return reader.found.map { $0 != nil }
    }

    /// Nesting deeper than this is refused, so that a hostile body cannot exhaust the stack.
    static let maxDepth = 256

    struct Reader {
        let b: [UInt8]
        var i = 0
        /// Members wanted by path of names below the object at depth `root + 1`: the current path, and
        /// the value found at each wanted path (the last, with a repeated name).
        var wanted: [[[UInt8]]] = []
        var root = 0
        var path: [ArraySlice<UInt8>] = []
        var found: [Range<Int>?] = []

        mutating func want(_ paths: [[String]]) {
            self.wanted = paths.map { $0.map { Array($0.utf8) } }
            self.found = Array(repeating: nil, count: paths.count)
        }

        /// The text of the string value at `range`; nil when the value is not a string.
        func string(at range: Range<Int>) -> String? {
            self.b[range.lowerBound] == 0x22 ? Self.text(self.b, range) : nil
        }

        init(_ bytes: [UInt8]) { self.b = bytes }

        mutating func document() -> Bool {
            self.ws()
            guard self.value(depth: 0) else { return false }
            self.ws()
            return self.i == self.b.count
        }

        mutating func batch() -> [Item]? {
            self.ws()
            guard self.peek == 0x5B else { return nil }
            self.i += 1
            // Each item's members, read by the same path mechanism as `strings(_:at:)`, one level down.
            self.want([["subject"], ["msg_id"], ["data"]])
            self.root = 1
            var items: [Item] = []
            self.ws()
            if self.peek == 0x5D {
                self.i += 1
            } else {
                while true {
                    self.ws()
                    let isObject = self.peek == 0x7B
                    self.found = [nil, nil, nil]
                    guard self.value(depth: 1) else { return nil }
                    items.append(
                        isObject
                            ? Item(
                                subject: self.found[0].flatMap(self.string(at:)), msgID: self.found[1].flatMap(self.string(at:)), data: self.found[2],
                                msgIDNotString: self.found[1].map { self.string(at: $0) == nil } ?? false)
                            : Item(isObject: false))
                    self.ws()
                    guard let c = self.peek else { return nil }
                    self.i += 1
                    if c == 0x2C { continue }
                    if c == 0x5D { break }
                    return nil
                }
            }
            self.ws()
            return self.i == self.b.count ? items : nil
        }

        var peek: UInt8? { self.i < self.b.count ? self.b[self.i] : nil }

        mutating func ws() {
            while self.i < self.b.count, self.b[self.i] == 0x20 || self.b[self.i] == 0x0A || self.b[self.i] == 0x0D || self.b[self.i] == 0x09 {
                self.i += 1
            }
        }

        mutating func value(depth: Int) -> Bool {
            guard depth <= RawJSON.maxDepth, let c = self.peek else { return false }
            switch c {
            case 0x22: return self.string() != nil
            case 0x7B: return self.object(depth: depth + 1)
            case 0x5B: return self.array(depth: depth + 1)
            case 0x74: return self.literal("true")
            case 0x66: return self.literal("false")
            case 0x6E: return self.literal("null")
            default: return self.number()
            }
        }

        private mutating func object(depth: Int) -> Bool {
            self.i += 1
            self.ws()
            if self.peek == 0x7D {
                self.i += 1
                return true
            }
            // Member names are tracked only for `strings(_:at:)`, and only inside objects (an array
            // in between ends every wanted path).
            let tracking = !self.wanted.isEmpty && self.path.count == depth - 1 - self.root
            while true {
                self.ws()
                guard let name = self.string() else { return false }
                self.ws()
                guard self.peek == 0x3A else { return false }
                self.i += 1
                self.ws()
                if tracking { self.path.append(self.b[name]) }
                let start = self.i
                guard self.value(depth: depth) else { return false }
                if tracking {
                    self.note(start..<self.i)
                    self.path.removeLast()
                }
                self.ws()
                guard let c = self.peek else { return false }
                self.i += 1
                if c == 0x2C { continue }
                return c == 0x7D
            }
        }

        /// A member value just read at `path`: kept if a wanted path ends here.
        private mutating func note(_ range: Range<Int>) {
            for (k, wanted) in self.wanted.enumerated() where wanted.count == self.path.count {
                if zip(wanted, self.path).allSatisfy({ $0.elementsEqual($1) }) { self.found[k] = range }
            }
        }

        private mutating func array(depth: Int) -> Bool {
            self.i += 1
            self.ws()
            if self.peek == 0x5D {
                self.i += 1
                return true
            }
            while true {
                self.ws()
                guard self.value(depth: depth) else { return false }
                self.ws()
                guard let c = self.peek else { return false }
                self.i += 1
                if c == 0x2C { continue }
                return c == 0x5D
            }
        }

        /// A string with valid escapes and no raw control characters; returns its content range.
        mutating func string() -> Range<Int>? {
            guard self.peek == 0x22 else { return nil }
            self.i += 1
            let start = self.i
            while self.i < self.b.count {
                let c = self.b[self.i]
                if c == 0x22 {
                    defer { self.i += 1 }
                    return start..<self.i
                }
                if c < 0x20 { return nil }
                if c == 0x5C {
                    guard self.i + 1 < self.b.count else { return nil }
                    switch self.b[self.i + 1] {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: self.i += 2
                    case 0x75:
                        guard self.i + 5 < self.b.count, self.b[(self.i + 2)...(self.i + 5)].allSatisfy(Self.isHex) else { return nil }
                        self.i += 6
                    default: return nil
                    }
                } else {
                    self.i += 1
                }
            }
            return nil
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        private mutating func number() -> Bool {
            if self.peek == 0x2D { self.i += 1 }
            guard let first = self.peek, Self.isDigit(first) else { return false }
            self.i += 1
            if first != 0x30 { self.digits() }
            if self.peek == 0x2E {
                self.i += 1
                guard let d = self.peek, Self.isDigit(d) else { return false }
                self.digits()
            }
            if self.peek == 0x65 || self.peek == 0x45 {
                self.i += 1
                if self.peek == 0x2B || self.peek == 0x2D { self.i += 1 }
                guard let d = self.peek, Self.isDigit(d) else { return false }
                self.digits()
            }
            return true
        }

        private mutating func digits() {
            while let c = self.peek, Self.isDigit(c) { self.i += 1 }
        }

        private mutating func literal(_ word: String) -> Bool {
            let n = word.utf8.count
            guard self.i + n <= self.b.count, self.b[self.i..<(self.i + n)].elementsEqual(word.utf8) else { return false }
            self.i += n
            return true
        }

        static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) }

        /// The value of a validated string token (quotes included in `range`), escapes resolved; nil
        /// for invalid UTF-8 or a lone surrogate.
        static func text(_ b: [UInt8], _ range: Range<Int>) -> String? {
            let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
            if !b[inner].contains(0x5C) { return String(validating: b[inner], as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(inner.count)
            var k = inner.lowerBound
            func hex4(_ at: Int) -> UInt32 {
                b[at..<(at + 4)].reduce(0) { $0 << 4 | UInt32($1 <= 0x39 ? $1 - 0x30 : ($1 | 0x20) - 0x61 + 10) }
            }
            while k < inner.upperBound {
                let c = b[k]
                guard c == 0x5C else {
                    out.append(c)
                    k += 1
                    continue
                }
                let e = b[k + 1]
                k += 2
                switch e {
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var scalar = hex4(k)
                    k += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard k + 6 <= inner.upperBound, b[k] == 0x5C, b[k + 1] == 0x75 else { return nil }
                        let low = hex4(k + 2)
                        guard (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        k += 6
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: out.append(e)  // " \ /
                }
            }
            return String(validating: out, as: UTF8.self)
        }
    }
}
