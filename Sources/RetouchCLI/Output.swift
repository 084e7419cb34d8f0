#if canImport(Glibc)
import Glibc
#endif

/// Flushes standard output so each benchmark line appears as soon as it is measured.
func fflushStdout() { fflush(stdout) }

import Foundation
import Retouch
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

/// With `RETOUCH_REPORT_MEMORY=1` in the environment, commands end by printing their peak resident memory to
/// standard error (`peak memory: <KB> KB`), for comparing runs without external tools.
enum MemoryReport {
    static func printIfRequested() {
        guard ProcessInfo.processInfo.environment["RETOUCH_REPORT_MEMORY"] == "1" else { return }
        FileHandle.standardError.write(Data("peak memory: \(PeakMemory.peakBytes() / 1024) KB\n".utf8))
    }
}
