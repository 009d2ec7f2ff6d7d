import Testing

@testable import Ticketing

@Suite struct PassportNumberTests {
    @Test(arguments: [
        ("123456789", "HR"), ("C01X00T47", "DE"), ("CFGHJKLMN", "DE"), ("P1234567", "AT"), ("P1234567", "SI"),
        ("PB1234567", "SI"), ("A1234567", "BA"), ("AB123456", "BA"), ("012345678", "RS"), ("YA1234567", "IT"),
        ("123456789", "GB"), ("123456789", "US"), ("A12345678", "US"), ("05AB12345", "FR"),
        ("X1234567", "NL"), ("12345", "ES"), ("AB12345678901234567Z", "CH"),
    ])
    func accepts_known_formats(number: String, country: String) {
        #expect(PassportNumber.problem(number: number, country: country) == nil)
    }

    @Test(arguments: [
        ("12345678", "HR"), ("1234567890", "HR"), ("A23456789", "HR"),
        ("C01X00T4A", "DE"), ("C01X00T4", "DE"),  // A is not in the German alphabet
        ("12345678", "AT"), ("PP1234567", "AT"),
        ("P123456", "SI"), ("1B1234567", "SI"),
        ("12345678", "BA"), ("ABC123456", "BA"),
        ("12345678", "RS"), ("Y12345678", "IT"), ("12345678A", "GB"),
        ("AB1234567", "US"), ("1234567890", "US"),
        ("AB1234567", "FR"), ("05AB1234", "FR"),
        ("1234", "NL"), ("123456789012345678901", "NL"),
    ])
    func refuses_wrong_formats(number: String, country: String) {
        let problem = PassportNumber.problem(number: number, country: country)
        #expect(problem != nil)
    }

    @Test func names_the_expected_format() {
        #expect(PassportNumber.problem(number: "12345", country: "HR") == "is not a valid HR passport number: 9 digits")
    }

    @Test func normalises_case_and_surrounding_whitespace() {
        #expect(PassportNumber.problem(number: "pb1234567", country: "si") == nil)
        #expect(PassportNumber.problem(number: " 123456789 ", country: " hr") == nil)
        #expect(PassportNumber.normalized("  yA1234567\n") == "YA1234567")
        #expect(PassportNumber.normalizedCountry(" it ") == "IT")
    }

    @Test(arguments: ["123 456 789", "12345\t6789", "AB 1234567"])
    func refuses_inner_spaces(number: String) {
        #expect(PassportNumber.problem(number: number, country: "HR") == "must not contain spaces")
        #expect(PassportNumber.problem(number: number, country: "NL") == "must not contain spaces")
    }

    @Test(arguments: ["12345-678", "AB.123456", "ÄB1234567", "ＡＢ1234567", "١٢٣٤٥٦٧٨٩"])
    func refuses_other_characters(number: String) {
        #expect(PassportNumber.problem(number: number, country: "NL") != nil)
        #expect(PassportNumber.problem(number: number, country: "HR") != nil)
    }

    @Test func refuses_empty_numbers() {
        #expect(PassportNumber.problem(number: "", country: "HR") == "must not be empty")
        #expect(PassportNumber.problem(number: "   ", country: "NL") == "must not be empty")
    }

    @Test(arguments: ["", "H", "HRV", "XX", "ZZ", "UK", "EU", "1A", "H R", "ÖS"])
    func refuses_unknown_countries(country: String) {
        let problem = PassportNumber.problem(number: "123456789", country: country)
        #expect(problem?.contains("country") == true)
    }

    @Test func knows_the_region() {
        for code in ["HR", "SI", "BA", "RS", "ME", "MK", "AL", "XK", "HU", "AT", "DE", "IT", "GB", "US", "FR"] {
            #expect(PassportNumber.isCountryCode(code), "\(code)")
        }
        #expect(!PassportNumber.isCountryCode("hr"))  // callers normalise first
    }
}
