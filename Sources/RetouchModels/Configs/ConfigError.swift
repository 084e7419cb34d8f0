/// A config file that Retouch cannot use, naming the file and the key.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The config file's path.
    public let file: String
    /// The key concerned (nil for whole-file problems).
    public let key: String?
    /// What is wrong.
    public let problem: String

    /// Creates an error.
    public init(file: String, key: String? = nil, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    /// `file: key 'k': problem`.
    public var description: String {
        if let key { return "\(file): key '\(key)': \(problem)" }
        return "\(file): \(problem)"
    }
}
