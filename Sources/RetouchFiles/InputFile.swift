import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens and reads files that users name, refusing anything that is not a regular file before it can block or
/// grow without bound: a FIFO, socket, device or folder given as a file is an error naming it, never a hang.
///
/// Every reader of user files (images, masks, weights, configs, tokenizer files, recipes, manifests) goes
/// through here, so the rules are the same everywhere: `open` with `O_NONBLOCK` (opening a FIFO never waits for
/// a writer), `fstat` on the open descriptor (no check-then-open race), regular files only, a size limit checked
/// before any byte is read, and `strerror` text instead of Foundation's error dumps.
public enum InputFile {
    /// The kind of thing at a path, as `fstat`/`stat` report it.
    public static func kindName(mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }

    /// Opens `path` read-only and returns its descriptor and size; the caller closes the descriptor.
    ///
    /// - Throws: `FileProblem` naming `displayPath` when the file cannot be opened, is not a regular file, or
    ///   is larger than `maxBytes`.
    public static func openRegular(_ path: String, displayPath: String? = nil, maxBytes: Int = .max,
                                   what: String = "file") throws -> (descriptor: Int32, size: Int) {
        let shown = displayPath ?? path
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileProblem(file: shown, problem: "cannot open: \(systemMessage())") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let message = systemMessage()
            close(descriptor)
            throw FileProblem(file: shown, problem: "cannot read: \(message)")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw FileProblem(file: shown, problem: "is \(kindName(mode: status.st_mode)), not a regular \(what)")
        }
        let size = Int(status.st_size)
        guard size <= maxBytes else {
            close(descriptor)
            throw FileProblem(file: shown, problem: "is \(size) bytes, over the \(byteText(maxBytes)) limit for \(article(what)) \(what)")
        }
        // Regular files never block; clear O_NONBLOCK so reads behave as usual.
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        return (descriptor, size)
    }

    /// The whole contents of the regular file at `url`, at most `maxBytes` long.
    public static func bytes(_ url: URL, maxBytes: Int = .max, what: String = "file") throws -> [UInt8] {
        let shown = url.relativePath
        let (descriptor, size) = try openRegular(url.path, displayPath: shown, maxBytes: maxBytes, what: what)
        defer { close(descriptor) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(size)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileProblem(file: shown, problem: "cannot read: \(systemMessage())")
            }
            if count == 0 { break }
            // A file that grows while it is read is still held to its limit.
            guard bytes.count + count <= maxBytes else {
                throw FileProblem(file: shown, problem: "is over the \(byteText(maxBytes)) limit for \(article(what)) \(what)")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// The contents of the regular file at `url` as `Data`, at most `maxBytes` long.
    public static func data(_ url: URL, maxBytes: Int = .max, what: String = "file") throws -> Data {
        Data(try bytes(url, maxBytes: maxBytes, what: what))
    }

    /// The contents of the regular file at `url` as UTF-8 text, at most `maxBytes` long.
    public static func text(_ url: URL, maxBytes: Int = .max, what: String = "file") throws -> String {
        let contents = try bytes(url, maxBytes: maxBytes, what: what)
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw FileProblem(file: url.relativePath, problem: "is not UTF-8 text")
        }
        return text
    }

    /// Throws unless `url` names an existing folder (symbolic links followed).
    public static func requireFolder(_ url: URL, what: String = "folder") throws {
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            throw FileProblem(file: url.relativePath, problem: "cannot open: \(systemMessage())")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw FileProblem(file: url.relativePath, problem: "is \(kindName(mode: status.st_mode)), not a \(what)")
        }
    }

    /// `1 MB`, `100 MB`, `2 GB`: a limit in words.
    public static func byteText(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes)-byte"
    }

    /// "a" or "an" before `word`.
    static func article(_ word: String) -> String {
        "aeiou".contains(word.first.map { Character($0.lowercased()) } ?? "x") ? "an" : "a"
    }

    /// The current `errno` as text.
    public static func systemMessage(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}

extension InputFile {
    /// Size limits for the small text files Retouch reads, each an error naming the file when exceeded.
    public enum Limit {
        /// `config.json`, `scheduler_config.json`, `model_index.json`, shard indexes, tokenizer configs: 16 MiB.
        public static let config = 16 << 20
        /// `vocab.json` and `merges.txt` (CLIP's are 1 MB and 0.5 MB): 64 MiB.
        public static let tokenizer = 64 << 20
        /// A recipe (YAML or JSON): 4 MiB.
        public static let recipe = 4 << 20
        /// A batch manifest (CSV or JSON lines): 256 MiB.
        public static let manifest = 256 << 20
    }
}
