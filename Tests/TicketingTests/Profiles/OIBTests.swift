import Testing

@testable import Ticketing

@Suite struct OIBTests {
    /// Published examples (69435151530 is the Tax Administration's sample) and numbers whose check digit
    /// was computed by hand with ISO 7064 MOD 11,10.
    @Test(arguments: [
        "69435151530", "94577403194", "12345678903", "33392005961", "71481280786", "29141777635", "17066907435", "91500080631", "60837783531",
    ])
    func accepts_valid_numbers(oib: String) {
        #expect(OIB.isValid(oib))
    }

    @Test func check_digit_follows_the_algorithm() {
        // a: 10 → (10+1)%10=1 → 2; (2+2)=4 → 8; (8+3)=11%10=1 → 2; … worked through for 1234567890 gives 3.
        #expect(OIB.checkDigit([1, 2, 3, 4, 5, 6, 7, 8, 9, 0]) == 3)
        // 11 − a = 10 is written as 0.
        #expect(OIB.checkDigit([6, 9, 4, 3, 5, 1, 5, 1, 5, 3]) == 0)
    }

    @Test func every_wrong_check_digit_is_refused() {
        for digit in 0...9 where digit != 0 {
            #expect(!OIB.isValid("6943515153\(digit)"))
        }
        #expect(!OIB.isValid("12345678901"))
    }

    @Test func a_changed_digit_is_caught() {
        // MOD 11,10 detects every single-digit error.
        let valid = Array("69435151530")
        for i in 0..<10 {
            for d in "0123456789" where d != valid[i] {
                var changed = valid
                changed[i] = d
                #expect(!OIB.isValid(String(changed)), "\(String(changed))")
            }
        }
    }

    @Test(arguments: ["", "6943515153", "694351515300", "0", "123456789012345"])
    func refuses_wrong_length(oib: String) {
        #expect(!OIB.isValid(oib))
    }

    @Test(arguments: [
        "6943515153O", "69435l51530", "6943515153a", "+6943515153", "-69435151530", "69435.51530",
        "٦٩٤٣٥١٥١٥٣٠", "６９４３５１５１５３０",
    ])
    func refuses_non_digits(oib: String) {
        #expect(!OIB.isValid(oib))
    }

    @Test(arguments: [" 69435151530", "69435151530 ", "694 35151530", "69435151530\n", "\t69435151530"])
    func refuses_whitespace(oib: String) {
        #expect(!OIB.isValid(oib))
    }
}
