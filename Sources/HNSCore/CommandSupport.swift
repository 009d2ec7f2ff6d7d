import ArgumentParser

extension AsyncParsableCommand {
    /// What `AsyncParsableCommand.main()` does, callable from an `@main` type in a library-backed
    /// executable (see the toolchain notes: a root async command in `main.swift` runs synchronously).
    public static func runAsRoot(_ arguments: [String]? = nil) async {
        do {
            var command = try self.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            self.exit(withError: error)
        }
    }
}
