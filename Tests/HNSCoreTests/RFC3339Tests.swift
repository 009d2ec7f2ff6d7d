import Foundation
import HNSCore
import Testing

@Suite struct RFC3339Tests {
    @Test func every_form_the_standard_allows_is_read() throws {
        let second = try #require(RFC3339.parse("2026-12-07T10:00:00Z"))
        #expect(RFC3339.parse("2026-12-07t10:00:00z") == second)
        #expect(RFC3339.parse("2026-12-07T12:30:00+02:30") == second)
        #expect(RFC3339.parse("2026-12-07T10:00:00.5Z") == second.addingTimeInterval(0.5))
        #expect(RFC3339.parse("2026-12-07T10:00:00.123456789Z")!.timeIntervalSince(second) > 0.1234)
        #expect(RFC3339.parse("0137-11-13T07:17:57.8+19:20") != nil)
    }

    @Test func anything_else_is_not() {
        for text in [
            "", "2026-12-07", "2026-12-07T10:00:00", "2026-13-07T10:00:00Z", "2026-02-30T10:00:00Z", "2026-12-07T24:00:00Z",
            "2026-12-07T10:00:00.Z", "2026-12-07T10:00:00+24:00", "2026-12-07T10:00:60Z", "2026-12-07T10:00:00Zx", "2026-12-07 10:00:00Z",
        ] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
    }
}
