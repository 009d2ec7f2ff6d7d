extension Array where Element: Sendable {
    /// `transform` of every element, at most `limit` running at once; the results in the elements' order.
    public func concurrentMap<T: Sendable>(limit: Int, _ transform: @escaping @Sendable (Element) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: self.count)
            var next = 0
            func start() {
                let (index, item) = (next, self[next])
                next += 1
                group.addTask { (index, try await transform(item)) }
            }
            while next < Swift.min(self.count, Swift.max(1, limit)) { start() }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < self.count { start() }
            }
            return results.map { $0! }
        }
    }
}
