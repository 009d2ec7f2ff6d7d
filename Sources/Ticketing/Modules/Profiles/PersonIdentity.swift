import Foundation
import HNSCore

/// The identity of a person as we capture it for a profile or a ticket holder: a name, a date of
/// birth and an OIB or a passport. Validated the same way wherever it is captured.
struct PersonIdentity: Codable, Sendable, Equatable {
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

    static func parseDate(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: y, month: m, day: d)
        guard let date = calendar.date(from: components),
            calendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: y, month: m, day: d)
        else { return nil }
        return date
    }
}
