import RetouchFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away.
final class MappedFile: @unchecked Sendable {
    /// The first byte of the mapping (nil for an empty file).
    let bytes: UnsafeRawPointer?
    /// The file's size in bytes.
    let size: Int

    /// Maps `path` read-only; throws a `SafetensorsError` naming the file when it cannot be opened.
    init(path: String) throws {
        let opened: (descriptor: Int32, size: Int)
        do {
            opened = try InputFile.openRegular(path, what: "weights file")
        } catch let problem as FileProblem {
            throw SafetensorsError(file: path, problem: problem.problem)
        }
        let descriptor = opened.descriptor
        defer { close(descriptor) }
        size = opened.size
        if size == 0 {
            bytes = nil
            return
        }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw SafetensorsError(file: path, problem: "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawPointer(mapping)
    }

    deinit {
        if let bytes { munmap(UnsafeMutableRawPointer(mutating: bytes), size) }
    }
}
