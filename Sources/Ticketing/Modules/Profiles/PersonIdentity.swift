import Foundation
import HNSCore

/// The identity of a person as we capture it for a profile or a ticket holder: a name, a date of
/// birth and an OIB or a passport. Validated the same way wherever it is captured.
struct PersonIdentity: Codable, Sendable, Equatable {
    /// One person across every channel: by OIB, else by passport country and number.
    var key: String { Self.key(oib: self.oib, passportCountry: self.passportCountry, passportNumber: self.passportNumber) }

    static func key(oib: String?, passportCountry: String?, passportNumber: String?) -> String {
        if let oib { return "oib:" + oib }
        return "passport:\(passportCountry ?? ""):\(passportNumber ?? "")"
    }

    var firstName: String
    var lastName: String
    /// `YYYY-MM-DD`.
    var dateOfBirth: String
    var oib: String?
    var passportNumber: String?
    var passportCountry: String?
    var nationality: String

    enum CodingKeys: String, CodingKey {
        case firstName = "first_name"
        case lastName = "last_name"
        case dateOfBirth = "date_of_birth"
        case oib
        case passportNumber = "passport_number"
        case passportCountry = "passport_country"
        case nationality
    }

    /// Trims, upper-cases codes and drops empty optionals, so that validation and storage see one form.
    func normalized() -> PersonIdentity {
        func clean(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            return t
        }
        var copy = self
        copy.firstName = self.firstName.trimmingCharacters(in: .whitespaces)
        copy.lastName = self.lastName.trimmingCharacters(in: .whitespaces)
        copy.dateOfBirth = self.dateOfBirth.trimmingCharacters(in: .whitespaces)
        copy.oib = clean(self.oib)
        copy.passportNumber = clean(self.passportNumber).map(PassportNumber.normalized)
        copy.passportCountry = clean(self.passportCountry).map(PassportNumber.normalizedCountry)
        copy.nationality = PassportNumber.normalizedCountry(self.nationality)
        return copy
    }

    /// Every problem, each naming its field under `prefix` (e.g. `attendees[1].`).
    func validate(prefix: String = "", today: Date = Date()) -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: prefix + field, message: message)) }
        for (field, value) in [("first_name", self.firstName), ("last_name", self.lastName)] {
            if value.isEmpty { fail(field, "is required") } else if value.count > 100 { fail(field, "is longer than 100 characters") }
        }
        if let birth = Self.parseDate(self.dateOfBirth) {
            if birth > today {
                fail("date_of_birth", "is in the future")
            } else if birth < today.addingTimeInterval(-120 * 365.25 * 86_400) {
                fail("date_of_birth", "is more than 120 years ago")
            }
        } else {
            fail("date_of_birth", "must be a date as YYYY-MM-DD")
        }
        if !PassportNumber.isCountryCode(self.nationality) { fail("nationality", "must be an ISO 3166-1 alpha-2 country code, e.g. HR") }
        if let oib = self.oib, !OIB.isValid(oib) {
            fail("oib", "is not a valid OIB: 11 digits whose last is the ISO 7064 MOD 11,10 check digit")
        }
        switch (self.passportNumber, self.passportCountry) {
        case (let number?, let country?):
            if let problem = PassportNumber.problem(number: number, country: country) { fail("passport_number", problem) }
        case (.some, nil): fail("passport_country", "is required with a passport number")
        case (nil, .some): fail("passport_number", "is required with a passport country")
        case (nil, nil): break
        }
        if self.oib == nil, self.passportNumber == nil {
            fail(
                self.nationality == "HR" ? "oib" : "passport_number",
                self.nationality == "HR" ? "is required for Croatian citizens" : "an OIB or a passport number is required")
        } else if self.nationality == "HR", self.oib == nil {
            fail("oib", "is required for Croatian citizens")
        }
        return errors
    }

    /// A calendar date as `YYYY-MM-DD` (years 0001–9999, ASCII digits only) in the proleptic
    /// Gregorian calendar, as PostgreSQL's `date` reads it: Foundation's Gregorian calendar turns
    /// Julian before 1582 and would accept days (1500-02-29) the database then refuses.
    static func parseDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), y >= 1, (1...12).contains(m) else { return nil }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard (1...days).contains(d) else { return nil }
        // Days since 1970-01-01 (H. Hinnant's days_from_civil).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Date(timeIntervalSince1970: Double(era * 146_097 + doe - 719_468) * 86_400)
    }
}
