import Foundation
import RetouchFiles

/// AUTOMATIC1111's short hashes of model files: the first 10 hex digits of the file's SHA-256.
public enum ModelHashes {
    /// The short hash of the file at `url`, after checking it is a regular file.
    public static func shortHash(of url: URL) throws -> String {
        do { return try FileHash.shortHash(of: url) } catch let problem as FileProblem {
            throw ModelLoadingError(origin: url.path, problem: problem.problem)
        }
    }
}
