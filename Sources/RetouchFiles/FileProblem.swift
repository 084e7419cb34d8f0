/// A problem with a file or folder the user named: the path as given and what is wrong with it.
///
/// Its description reads `<file>: <problem>`, ready to print after `error: `.
public struct FileProblem: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path as the caller gave it.
    public let file: String
    /// What is wrong, in words a user can act on.
    public let problem: String

    /// Creates a problem about `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `<file>: <problem>`.
    public var description: String { "\(file): \(problem)" }
}
