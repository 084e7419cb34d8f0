/// A problem reading or writing an image file, naming the file and what went wrong.
///
/// Its description reads `<file>: <problem>`, ready to print after `error: `.
public struct ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path as the caller gave it (`URL.relativePath`: relative paths stay relative).
    public let file: String
    /// What went wrong, in words a user can act on.
    public let problem: String

    /// Creates an error about `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `<file>: <problem>`.
    public var description: String { "\(file): \(problem)" }
}
