import Foundation
import RetouchFiles
import RetouchImaging

/// One photo of a batch.
public struct BatchItem: Sendable, Equatable {
    /// Unique name (the output is `<name>.png`).
    public var name: String
    /// The photo.
    public var image: URL
    /// Replaces `{prompt}` in the recipe's prompts, when the manifest gives one.
    public var prompt: String?

    /// Creates an item.
    public init(name: String, image: URL, prompt: String? = nil) {
        self.name = name
        self.image = image
        self.prompt = prompt
    }
}

/// A slice of a batch: items whose position (sorted by name) is `index` modulo `count`.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int, count: Int

    /// `I/N`, or from the environment: Slurm arrays (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`) or Kubernetes
    /// indexed jobs (`JOB_COMPLETION_INDEX`, with the count in `RETOUCH_SHARD_COUNT`); nil when none applies.
    public static func resolve(_ text: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard? {
        if let text {
            let parts = text.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] > 0, (0..<parts[1]).contains(parts[0]) else {
                throw EditError(description: "--shard must be I/N with 0 ≤ I < N; got '\(text)'")
            }
            return Shard(index: parts[0], count: parts[1])
        }
        if let idText = environment["SLURM_ARRAY_TASK_ID"], let countText = environment["SLURM_ARRAY_TASK_COUNT"] {
            let id = try number(idText, "SLURM_ARRAY_TASK_ID")
            let count = try number(countText, "SLURM_ARRAY_TASK_COUNT")
            let minimum = try environment["SLURM_ARRAY_TASK_MIN"].map { try number($0, "SLURM_ARRAY_TASK_MIN") } ?? 0
            return try checked(index: id - minimum, count: count,
                               source: "SLURM_ARRAY_TASK_ID=\(idText) (minimum \(minimum)) with SLURM_ARRAY_TASK_COUNT=\(countText)")
        }
        if let idText = environment["JOB_COMPLETION_INDEX"], let countText = environment["RETOUCH_SHARD_COUNT"] {
            return try checked(index: try number(idText, "JOB_COMPLETION_INDEX"), count: try number(countText, "RETOUCH_SHARD_COUNT"),
                               source: "JOB_COMPLETION_INDEX=\(idText) with RETOUCH_SHARD_COUNT=\(countText)")
        }
        return nil
    }

    /// A whole number from an environment variable, or an error naming it.
    private static func number(_ text: String, _ variable: String) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw EditError(description: "\(variable) must be a whole number; got '\(text)'")
        }
        return value
    }

    /// A shard whose count is positive and whose index lies in 0..<count, or an error naming where it came from.
    private static func checked(index: Int, count: Int, source: String) throws -> Shard {
        guard count > 0 else { throw EditError(description: "\(source): the shard count must be at least 1") }
        guard (0..<count).contains(index) else {
            throw EditError(description: "\(source): shard \(index) is outside 0…\(count - 1), so this task would process nothing")
        }
        return Shard(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
}

/// Runs a recipe over many photos so that a stopped, killed or split run never loses or corrupts an output:
/// each output is written to a temporary name and renamed; a journal (`.retouch-journal.jsonl` in the output
/// folder) records finished items so a rerun skips them; one item's failure is recorded and the batch goes on
/// (unless fail-fast); seeds derive from the item's name, so resumed and sharded runs give the same images.
public struct BatchRunner: Sendable {
    public var edit: Edit
    public var engine: EditEngine
    public var outputDirectory: URL
    public var resume = true
    public var failFast = false
    public var shard: Shard?
    /// What identifies the model (its path), recorded in the journal's fingerprint with the recipe and the seed.
    public var modelIdentity: String?

    /// Creates a runner.
    public init(edit: Edit, engine: EditEngine, outputDirectory: URL) {
        self.edit = edit
        self.engine = engine
        self.outputDirectory = outputDirectory
    }

    /// Per-item outcome.
    public struct Outcome: Codable, Sendable {
        public var name: String
        public var status: String   // done, failed, skipped
        public var error: String?
    }

    /// Items from a folder of photos (sorted by file name).
    public static func items(inFolder folder: URL) throws -> [BatchItem] {
        do { try InputFile.requireFolder(folder) } catch let problem as FileProblem { throw EditError(description: problem.description) }
        guard let listed = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            let reason = access(folder.path, R_OK | X_OK) == 0 ? "unreadable" : InputFile.systemMessage()
            throw EditError(description: "\(folder.relativePath): cannot list the folder: \(reason)")
        }
        let names = listed.sorted()
        return try names.filter { ["png", "jpg", "jpeg", "tif", "tiff"].contains(($0 as NSString).pathExtension.lowercased()) }
            .map { file in
                let name = (file as NSString).deletingPathExtension
                try BatchItem.checkName(name, row: "\(folder.relativePath): file '\(file)'")
                return BatchItem(name: name, image: folder.appendingPathComponent(file))
            }
    }

    /// Items from a manifest: CSV with a header (`image`, optional `name`, `prompt`) or JSON lines with those keys.
    /// Relative image paths resolve against the manifest's folder.
    public static func items(inManifest url: URL) throws -> [BatchItem] {
        let text: String
        do { text = try InputFile.text(url, maxBytes: InputFile.Limit.manifest, what: "manifest") } catch let problem as FileProblem {
            throw EditError(description: problem.description)
        }
        return try items(manifestText: text, jsonLines: url.pathExtension.lowercased() == "jsonl",
                         base: url.deletingLastPathComponent(), file: url.relativePath)
    }

    /// Items from manifest `text` (JSON lines when `jsonLines`, else CSV) that came from `file`; relative image
    /// paths resolve against `base`.
    public static func items(manifestText text: String, jsonLines: Bool, base: URL, file: String) throws -> [BatchItem] {
        var rows: [[String: String]] = []
        if jsonLines {
            for (number, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw EditError(description: "\(file): line \(number + 1) is not a JSON object")
                }
                rows.append(object.compactMapValues { $0 as? String })
            }
        } else {
            let lines = text.split(separator: "\n").map { CSV.fields(String($0)) }
            guard let header = lines.first else { return [] }
            if let repeated = Self.firstRepeated(header) {
                throw EditError(description: "\(file): the header names the column '\(repeated)' twice")
            }
            for (number, fields) in lines.dropFirst().enumerated() where fields != [""] {
                guard fields.count == header.count else {
                    throw EditError(description: "\(file): line \(number + 2) has \(fields.count) fields, the header \(header.count)")
                }
                rows.append(Dictionary(zip(header, fields), uniquingKeysWith: { first, _ in first }))
            }
        }
        return try rows.enumerated().map { number, row in
            guard let image = row["image"], !image.isEmpty else {
                throw EditError(description: "\(file): item \(number + 1) has no 'image'")
            }
            let imageURL = image.hasPrefix("/") ? URL(fileURLWithPath: image) : base.appendingPathComponent(image)
            // A blank name (an empty CSV cell) falls back to the image's file name, as a missing one does.
            let name = row["name"].flatMap { $0.isEmpty ? nil : $0 } ?? imageURL.deletingPathExtension().lastPathComponent
            try BatchItem.checkName(name, row: "\(file): item \(number + 1)")
            return BatchItem(name: name, image: imageURL, prompt: row["prompt"])
        }.sorted { $0.name < $1.name }
    }

    /// The first value that occurs a second time in `values`, if any.
    private static func firstRepeated(_ values: [String]) -> String? {
        var seen: Set<String> = []
        return values.first { !seen.insert($0).inserted }
    }

    var journalURL: URL { outputDirectory.appendingPathComponent(".retouch-journal.jsonl") }

    func output(for name: String) -> URL { outputDirectory.appendingPathComponent("\(name).png") }

    /// The output for `name`, checked to resolve inside the output folder (its real path, symbolic links followed).
    func containedOutput(for name: String) throws -> URL {
        let url = output(for: name)
        let folder = outputDirectory.resolvingSymlinksInPath().standardizedFileURL.path
        let parent = url.deletingLastPathComponent().resolvingSymlinksInPath().standardizedFileURL.path
        guard parent == folder else {
            throw EditError(description: "\(name): the output \(url.relativePath) would land outside \(outputDirectory.relativePath)")
        }
        return url
    }

    /// Creates the output folder; an existing path there must be a folder.
    func prepareOutputDirectory() throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: outputDirectory.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw EditError(description: "\(outputDirectory.relativePath): exists and is not a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        } catch {
            let reason = InputFile.systemMessage((error as NSError).code == NSFileWriteNoPermissionError ? EACCES : EIO)
            throw EditError(description: "\(outputDirectory.relativePath): cannot create the folder: \(reason)")
        }
    }

    /// What made this run's pixels: the recipe (canonical JSON), the base seed and the model. A journal written
    /// under another fingerprint is not resumed.
    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let recipe = (try? encoder.encode(edit)).map { String(decoding: $0, as: UTF8.self) } ?? "\(edit)"
        let text = "recipe \(recipe)\nseed \(engine.seed)\nmodel \(modelIdentity ?? engine.model?.name ?? "none")"
        let hash = text.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return String(hash, radix: 16)
    }

    /// The seed for an item: the engine's seed mixed with a hash of the item's name (FNV-1a).
    public static func seed(for name: String, base: UInt64) -> UInt64 {
        base ^ name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }

    /// Runs every item of this shard; `progress(done, total)` after each. Returns the outcomes (also written to
    /// `summary.json`).
    public func run(_ allItems: [BatchItem], progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> [Outcome] {
        var seen: [String: BatchItem] = [:]
        for item in allItems {
            try BatchItem.checkName(item.name, row: "item '\(item.image.relativePath)'")
            if let earlier = seen[item.name] {
                throw EditError(description: "two batch items share the name '\(item.name)' (\(earlier.image.relativePath) and \(item.image.relativePath)); give one a different name")
            }
            seen[item.name] = item
        }
        try prepareOutputDirectory()
        let lock = try BatchLock(folder: outputDirectory)
        defer { lock.release() }
        let sorted = allItems.sorted { $0.name < $1.name }
        let items = shard.map { shard in sorted.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element) } ?? sorted
        let journal = BatchJournal(url: journalURL, fingerprint: fingerprint)
        let finished = resume ? try journal.finishedNames().filter { FileManager.default.fileExists(atPath: output(for: $0).path) } : []
        try journal.start(fresh: !resume)
        var outcomes: [Outcome] = []
        for (position, item) in items.enumerated() {
            try Task.checkCancellation()
            if finished.contains(item.name) {
                outcomes.append(Outcome(name: item.name, status: "skipped", error: nil))
                progress?(position + 1, items.count)
                continue
            }
            var outcome = Outcome(name: item.name, status: "done", error: nil)
            do {
                let image = try ImageIO.read(item.image)
                var itemEngine = engine
                itemEngine.seed = Self.seed(for: item.name, base: engine.seed)
                itemEngine.outputDirectory = itemEngine.outputDirectory ?? outputDirectory
                var itemEdit = edit
                if let prompt = item.prompt { itemEdit = itemEdit.substitutingPrompt(prompt) }
                let result = try await itemEdit.run(on: EditState(image: image, name: item.name), with: itemEngine)
                try ImageIO.write(result.image, to: try containedOutput(for: item.name),
                                  options: ImageWriteOptions(bitDepth: 8, text: ["parameters": result.parameters.joined(separator: "\n")]))
            } catch let error as CancellationError {
                throw error
            } catch {
                outcome = Outcome(name: item.name, status: "failed", error: "\(error)")
            }
            try journal.append(outcome)
            outcomes.append(outcome)
            progress?(position + 1, items.count)
            if failFast, outcome.status == "failed" { break }
        }
        try writeSummary(outcomes)
        return outcomes
    }

    private func writeSummary(_ outcomes: [Outcome]) throws {
        struct Summary: Codable {
            let shard: String?
            let total: Int, done: Int, skipped: Int, failed: Int
            let items: [Outcome]
        }
        let summary = Summary(shard: shard?.description, total: outcomes.count,
                              done: outcomes.filter { $0.status == "done" }.count,
                              skipped: outcomes.filter { $0.status == "skipped" }.count,
                              failed: outcomes.filter { $0.status == "failed" }.count, items: outcomes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let name = shard.map { "summary-\($0.index)-of-\($0.count).json" } ?? "summary.json"
        try encoder.encode(summary).write(to: outputDirectory.appendingPathComponent(name), options: .atomic)
    }
}

extension Edit {
    /// The edit with `{prompt}` in every prompt replaced by `prompt`.
    func substitutingPrompt(_ prompt: String) -> Edit {
        Edit(steps: steps.map { step in
            switch step {
            case .inpaint(var settings):
                settings.prompt = settings.prompt.replacingOccurrences(of: "{prompt}", with: prompt)
                return .inpaint(settings)
            case .img2img(var settings):
                settings.prompt = settings.prompt.replacingOccurrences(of: "{prompt}", with: prompt)
                return .img2img(settings)
            default:
                return step
            }
        })
    }
}

/// Minimal CSV field splitting: commas, with double-quoted fields (`""` for a quote).
enum CSV {
    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = Array(line.trimmingCharacters(in: CharacterSet(charactersIn: "\r")))
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count, characters[index + 1] == "\"" { current.append("\""); index += 1 } else { quoted = false }
                } else { current.append(character) }
            } else if character == "\"" { quoted = true }
            else if character == "," { fields.append(current); current = "" }
            else { current.append(character) }
            index += 1
        }
        fields.append(current)
        characters.removeAll()
        return fields
    }
}
