import Foundation
import Hummingbird

extension Parameters {
    /// A path parameter with its percent-encoding undone (`N%31` is `N1`), as the router leaves it
    /// encoded; nil when it is absent or its escapes are not valid UTF-8.
    public func decoded(_ name: String) -> String? {
        guard let raw = self.get(name) else { return nil }
        return raw.contains("%") ? raw.removingPercentEncoding : raw
    }
}
