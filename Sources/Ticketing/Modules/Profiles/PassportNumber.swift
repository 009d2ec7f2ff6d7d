/// Plausibility of a passport number for its issuing country. Formats are checked only where we know them
/// well; anything else needs 5–20 letters and digits. Deliberately lenient where a country issues several series.
public enum PassportNumber {
    /// The form to store: surrounding whitespace removed, letters upper-cased.
    public static func normalized(_ number: String) -> String {
        number.trimmingWhitespace().uppercased()
    }

    /// The form to store for an ISO 3166-1 alpha-2 country code.
    public static func normalizedCountry(_ country: String) -> String {
        country.trimmingWhitespace().uppercased()
    }

    /// `nil` when `number` is acceptable for `country` (an ISO 3166-1 alpha-2 code), otherwise a message
    /// for the user. Both are normalised first (trimmed, upper-cased).
    public static func problem(number: String, country: String) -> String? {
        let country = normalizedCountry(country)
        guard isCountryCode(country) else { return "has an unknown issuing country \"\(country)\"; use an ISO 3166-1 alpha-2 code" }
        let number = normalized(number)
        if number.isEmpty { return "must not be empty" }
        if number.contains(where: \.isWhitespace) { return "must not contain spaces" }
        let chars = Array(number.utf8)
        guard chars.allSatisfy({ isLetter($0) || isDigit($0) }) else { return "may contain only letters A–Z and digits" }
        if let format = formats[country] {
            return format.shapes.contains { matches($0, chars) } ? nil : "is not a valid \(country) passport number: \(format.description)"
        }
        return (5...20).contains(chars.count) ? nil : "must be 5 to 20 letters and digits"
    }

    /// ISO 3166-1 alpha-2 codes in use, plus XK (Kosovo), which issues passports.
    public static func isCountryCode(_ code: String) -> Bool {
        code.utf8.count == 2 && countryCodes.contains(code)
    }

    private struct Format {
        let description: String
        let shapes: [[Part]]
    }

    private enum Part {
        case letters(Int)
        case digits(Int)
        case oneOf(Int, Set<UInt8>)
        /// `P` or any other fixed character.
        case literal(UInt8)

        var length: Int {
            switch self {
            case .letters(let n), .digits(let n), .oneOf(let n, _): n
            case .literal: 1
            }
        }

        func accepts(_ c: UInt8) -> Bool {
            switch self {
            case .letters: isLetter(c)
            case .digits: isDigit(c)
            case .oneOf(_, let set): set.contains(c)
            case .literal(let l): c == l
            }
        }
    }

    private static func matches(_ shape: [Part], _ chars: [UInt8]) -> Bool {
        guard shape.reduce(0, { $0 + $1.length }) == chars.count else { return false }
        var i = 0
        for part in shape {
            for _ in 0..<part.length {
                guard part.accepts(chars[i]) else { return false }
                i += 1
            }
        }
        return true
    }

    private static func isLetter(_ c: UInt8) -> Bool { (0x41...0x5A).contains(c) }
    private static func isDigit(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) }

    private static let germanAlphabet = Set("CFGHJKLMNPRTVWXYZ0123456789".utf8)

    private static let formats: [String: Format] = [
        "HR": Format(description: "9 digits", shapes: [[.digits(9)]]),
        "DE": Format(
            description: "9 characters of C F G H J K L M N P R T V W X Y Z and digits",
            shapes: [[.oneOf(9, germanAlphabet)]]),
        "AT": Format(description: "a letter and 7 digits", shapes: [[.letters(1), .digits(7)]]),
        "SI": Format(
            description: "P and 7 digits, or 2 letters and 7 digits",
            shapes: [[.literal(0x50), .digits(7)], [.letters(2), .digits(7)]]),
        // BiH has issued several series; accept one or two letters and 6 or 7 digits.
        "BA": Format(
            description: "1 or 2 letters and 6 or 7 digits",
            shapes: [[.letters(1), .digits(7)], [.letters(1), .digits(6)], [.letters(2), .digits(7)], [.letters(2), .digits(6)]]),
        "RS": Format(description: "9 digits", shapes: [[.digits(9)]]),
        "IT": Format(description: "2 letters and 7 digits", shapes: [[.letters(2), .digits(7)]]),
        "GB": Format(description: "9 digits", shapes: [[.digits(9)]]),
        "US": Format(description: "9 digits, or a letter and 8 digits", shapes: [[.digits(9)], [.letters(1), .digits(8)]]),
        "FR": Format(description: "2 digits, 2 letters and 5 digits", shapes: [[.digits(2), .letters(2), .digits(5)]]),
    ]

    private static let countryCodes: Set<String> = Set(
        """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
        CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO \
        FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE \
        JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO \
        MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW \
        PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM \
        TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
        """.split(separator: " ").map(String.init))
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
