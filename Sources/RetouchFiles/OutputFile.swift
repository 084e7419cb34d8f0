import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on paths a command will write, made before any work starts.
public enum OutputFile {
    /// Whether two paths name the same file, however spelled (`./`, symbolic links, hard links).
    public static func sameFile(_ a: URL, _ b: URL) -> Bool {
        if a.standardizedFileURL.resolvingSymlinksInPath().path == b.standardizedFileURL.resolvingSymlinksInPath().path {
            return true
        }
        var first = stat(), second = stat()
        guard stat(a.path, &first) == 0, stat(b.path, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Throws unless `output` may be written: it must not resolve to any of `inputs`, and whatever already
    /// stands at that path (symbolic links followed) must be a regular file, which is replaced atomically.
    /// A device, FIFO, socket or folder at the path is never replaced.
    public static func requireWritable(_ output: URL, inputs: [URL] = []) throws {
        for input in inputs where sameFile(input, output) {
            throw FileProblem(file: output.relativePath,
                              problem: "is an input of this run (\(input.relativePath)); choose a different output path")
        }
        var status = stat()
        if stat(output.path, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG {
            throw FileProblem(file: output.relativePath,
                              problem: "is \(InputFile.kindName(mode: status.st_mode)); only a regular file is ever replaced")
        }
    }
}
