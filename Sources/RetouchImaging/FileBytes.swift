import Foundation
import RetouchFiles

/// Reads whole image files through `InputFile` (regular files only, never blocking), as `ImageError`s.
enum FileBytes {
    /// The file's contents, or an `ImageError` naming the file and the system's reason. Files larger than
    /// `maxBytes` are refused before reading.
    static func read(_ url: URL, maxBytes: Int = .max) throws -> [UInt8] {
        do {
            return try InputFile.bytes(url, maxBytes: maxBytes, what: "image")
        } catch let problem as FileProblem {
            throw ImageError(file: problem.file, problem: problem.problem)
        }
    }

    /// The current `errno` as text.
    static func systemMessage(_ code: Int32 = errno) -> String { InputFile.systemMessage(code) }
}
