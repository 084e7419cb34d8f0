import Foundation

/// The batch journal (`.retouch-journal.jsonl`): a first line with the run's fingerprint, then one outcome per
/// finished item. A rerun resumes only under the same fingerprint, so a changed recipe, seed or model never
/// silently skips items that were made differently.
struct BatchJournal {
    /// The journal file.
    let url: URL
    /// The fingerprint of this run's recipe and settings.
    let fingerprint: String

    private struct Header: Codable { let fingerprint: String }

    /// Names recorded as done (and not failed since) under this fingerprint; none when there is no journal.
    ///
    /// - Throws: when the journal was written under another fingerprint (or by a version that wrote none).
    func finishedNames() throws -> Set<String> {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var lines = text.split(separator: "\n").makeIterator()
        guard let first = lines.next() else { return [] }
        let recorded = (try? JSONDecoder().decode(Header.self, from: Data(first.utf8)))?.fingerprint
        guard recorded == fingerprint else {
            throw EditError(description: "\(url.relativePath): the finished items were made by a different recipe, seed or model "
                            + "(fingerprint \(recorded ?? "none") here, \(fingerprint) now); rerun with --no-resume to start over, "
                            + "or use another output folder")
        }
        var finished: Set<String> = []
        while let line = lines.next() {
            guard let outcome = try? JSONDecoder().decode(BatchRunner.Outcome.self, from: Data(line.utf8)) else { continue }   // a torn last line
            if outcome.status == "done" { finished.insert(outcome.name) } else { finished.remove(outcome.name) }
        }
        return finished
    }

    /// Starts the journal: a fresh one (header only) when `fresh` or when none exists; otherwise it is kept.
    func start(fresh: Bool) throws {
        let existing = (try? Data(contentsOf: url)) ?? Data()
        guard fresh || existing.isEmpty else { return }
        var line = try JSONEncoder().encode(Header(fingerprint: fingerprint))
        line.append(UInt8(ascii: "\n"))
        try line.write(to: url, options: .atomic)
    }

    /// Appends one outcome and flushes it to disk.
    func append(_ outcome: BatchRunner.Outcome) throws {
        var line = try JSONEncoder().encode(outcome)
        line.append(UInt8(ascii: "\n"))
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try handle.synchronize()
    }
}
