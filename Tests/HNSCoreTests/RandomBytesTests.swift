import Foundation
import HNSCore
import Testing

@Suite struct RandomBytesTests {
    @Test func gives_exactly_the_bytes_asked_and_they_differ() {
        for count in [0, 1, 7, 8, 9, 20, 33] { #expect(RandomBytes.make(count).count == count) }
        #expect(RandomBytes.make(20) != RandomBytes.make(20))
        // Every byte position varies (no zero padding from the 8-byte steps).
        let samples = (0..<64).map { _ in RandomBytes.make(20) }
        for i in 0..<20 { #expect(Set(samples.map { $0[i] }).count > 1) }
    }

    @Test func uuids_are_version_4_rfc_4122_and_distinct() {
        let ids = (0..<1000).map { _ in UUID.random() }
        #expect(Set(ids).count == 1000)
        for id in ids {
            let text = id.uuidString
            #expect(Array(text)[14] == "4")
            #expect("89AB".contains(Array(text)[19]))
            #expect(UUID(uuidString: text) == id)
        }
    }
}
