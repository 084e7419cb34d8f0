/// A tokenizer folder or file that cannot be used, naming the file and the problem.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file concerned.
    public let file: String
    /// What is wrong.
    public let problem: String

    /// Creates an error.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `file: problem`.
    public var description: String { "\(file): \(problem)" }
}
