import Foundation

/// Reads whole files with POSIX calls so failures carry `strerror` text rather than Foundation's prose.
enum FileBytes {
    /// The file's contents, or an `ImageError` naming the file and the system's reason. Files larger than
    /// `maxBytes` are refused before reading.
    static func read(_ url: URL, maxBytes: Int = .max) throws -> [UInt8] {
        let path = url.relativePath
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImageError(file: path, problem: "cannot open: \(systemMessage())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ImageError(file: path, problem: "cannot read: \(systemMessage())")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ImageError(file: path, problem: "not a regular file")
        }
        guard status.st_size <= maxBytes else {
            throw ImageError(file: path, problem: "the file is \(status.st_size) bytes, larger than any image "
                             + "within the pixel limit could be")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ImageError(file: path, problem: "cannot read: \(systemMessage())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// The current `errno` as text.
    static func systemMessage(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
