#if canImport(Glibc)
import Glibc
#endif

/// Flushes standard output so each benchmark line appears as soon as it is measured.
func fflushStdout() { fflush(stdout) }

import Foundation
import RetouchImaging

/// Output paths, prepared the same way by every command.
enum OutputPath {
    /// Creates the folder that will hold `url` (like `mkdir -p`), so `--output out/photo.png` works in a fresh
    /// checkout. The file itself is still written atomically by `ImageIO.write`.
    static func prepareParent(of url: URL) throws {
        let parent = url.deletingLastPathComponent()
        guard !FileManager.default.fileExists(atPath: parent.path) else { return }
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ImageError(file: url.relativePath, problem: "cannot create the folder \(parent.relativePath): \(error.localizedDescription)")
        }
    }
}
