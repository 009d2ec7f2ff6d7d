/// A stored value the code does not know (a state written by a newer version, or by hand): a fault
/// of ours, answered with a 500 and logged, never shown as some other value.
public struct UnexpectedStoredValue: Error, CustomStringConvertible {
    public let column: String
    public let value: String
    public init(column: String, value: String) {
        self.column = column
        self.value = value
    }
    public var description: String { "unexpected value \(self.value.debugDescription) in \(self.column)" }
}

extension RawRepresentable where RawValue == String {
    /// The value stored in `column`, or `UnexpectedStoredValue`.
    public static func stored(_ raw: String, column: String) throws -> Self {
        guard let value = Self(rawValue: raw) else { throw UnexpectedStoredValue(column: column, value: raw) }
        return value
    }
}
