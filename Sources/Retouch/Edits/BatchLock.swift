import Foundation
import RetouchFiles
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a batch output folder (`flock` on `.retouch-batch.lock`), held while a run uses it, so
/// two runs never do the same work twice or interleave their journals. The kernel drops it if the process dies.
final class BatchLock {
    private var descriptor: Int32

    /// Takes the lock, or throws at once when another run holds it.
    init(folder: URL) throws {
        let url = folder.appendingPathComponent(".retouch-batch.lock")
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else {
            throw EditError(description: "\(url.relativePath): cannot create the lock file: \(InputFile.systemMessage())")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let message = InputFile.systemMessage()
            close(descriptor)
            descriptor = -1
            throw EditError(description: busy
                ? "\(folder.relativePath): another retouch batch is using this output folder; wait for it or choose another folder"
                : "\(url.relativePath): cannot lock: \(message)")
        }
    }

    /// Releases the lock (also done when the process exits).
    func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
