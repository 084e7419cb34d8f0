import Foundation
import RetouchFiles

/// Writes files all-or-nothing: the bytes go to a temporary file in the destination's directory, are
/// flushed to disk with `fsync`, and the temporary file is renamed over the destination. If anything fails
/// the temporary file is removed and an existing destination is left untouched.
enum AtomicFile {
    /// Writes `bytes` to `url` atomically, throwing an `ImageError` that names `url` on failure.
    static func write(_ bytes: UnsafeRawBufferPointer, to url: URL) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        func failure(_ action: String, _ code: Int32 = errno) -> ImageError {
            ImageError(file: url.relativePath, problem: "cannot \(action): \(FileBytes.systemMessage(code))")
        }

        // Only a regular file is ever replaced: a device, FIFO, socket or folder at the path (or behind a
        // symbolic link there) is refused before anything is written.
        var existing = stat()
        if stat(path, &existing) == 0, (existing.st_mode & S_IFMT) != S_IFREG {
            throw ImageError(file: url.relativePath,
                             problem: "is \(InputFile.kindName(mode: existing.st_mode)); only a regular file is ever replaced")
        }
        var template = Array("\(directory)/.\(url.lastPathComponent).XXXXXX.tmp".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemps(base, 4)
        }
        guard descriptor >= 0 else { throw failure("create a temporary file in \(directory)") }
        let temporaryPath = String(cString: template)
        var renamed = false
        defer {
            if !renamed { unlink(temporaryPath) }
        }

        do {
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("write")
                }
                offset += written
            }
            // mkstemps creates the file 0600; give it the permissions an ordinary new file would get.
            let mask = umask(0)
            umask(mask)
            guard fchmod(descriptor, 0o666 & ~mask) == 0 else { throw failure("set permissions") }
            guard fsync(descriptor) == 0 else { throw failure("flush to disk") }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw failure("close") }
        guard rename(temporaryPath, path) == 0 else { throw failure("replace") }
        renamed = true
        // Make the rename itself durable.
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
