/// A problem with a PyTorch pickle checkpoint, naming the file and, where it applies, the tensor.
public struct PickleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path.
    public let file: String
    /// The tensor concerned, if the problem is specific to one.
    public let tensor: String?
    /// What is wrong, in words a user can act on.
    public let problem: String

    /// Creates an error.
    public init(file: String, tensor: String? = nil, problem: String) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
    }

    /// `file: tensor 'name': problem`.
    public var description: String {
        if let tensor { return "\(file): tensor '\(tensor)': \(problem)" }
        return "\(file): \(problem)"
    }
}

/// A problem found while decoding bytes, before the file's name is attached (`PickleError` carries it out).
struct PickleProblem: Error, Equatable {
    /// What is wrong.
    let message: String
    init(_ message: String) { self.message = message }
}
