/// A checkpoint that does not fit the model it should build, naming the file and the key.
public struct ModelLoadingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The weights' origin (file path).
    public let origin: String
    /// The key concerned, when the problem is about one.
    public let key: String?
    /// What is wrong.
    public let problem: String

    /// Creates an error.
    public init(origin: String, key: String? = nil, problem: String) {
        self.origin = origin
        self.key = key
        self.problem = problem
    }

    /// `origin: key 'k': problem`.
    public var description: String {
        if let key { return "\(origin): key '\(key)': \(problem)" }
        return "\(origin): \(problem)"
    }
}
