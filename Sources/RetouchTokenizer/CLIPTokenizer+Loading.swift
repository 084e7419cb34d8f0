import Foundation
import RetouchFiles

extension CLIPTokenizer {
    /// Loads a diffusers `tokenizer/` folder: `vocab.json` + `merges.txt` (or `tokenizer.json`), with the pad
    /// token and maximum length from `tokenizer_config.json` / `special_tokens_map.json` when present.
    public init(folder: URL) throws {
        let settings = try Self.settings(in: folder)
        let vocabularyURL = folder.appendingPathComponent("vocab.json")
        let mergesURL = folder.appendingPathComponent("merges.txt")
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: vocabularyURL.path), fileManager.fileExists(atPath: mergesURL.path) {
            let vocabulary = try Self.readVocabulary(vocabularyURL)
            let merges = try Self.readMerges(mergesURL)
            try TokenizerValidation.check(vocabulary: vocabulary, file: vocabularyURL.path)
            try TokenizerValidation.check(merges: merges, vocabulary: vocabulary, file: mergesURL.path)
            try self.init(vocabulary: vocabulary, merges: merges,
                          padToken: settings.padToken, maxLength: settings.maxLength, origin: folder.path)
        } else if fileManager.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path) {
            try self.init(tokenizerJSON: folder.appendingPathComponent("tokenizer.json"),
                          padToken: settings.padToken, maxLength: settings.maxLength)
        } else {
            throw TokenizerError(file: folder.path, problem: "no vocab.json + merges.txt or tokenizer.json in the tokenizer folder")
        }
    }

    /// Loads a Hugging Face `tokenizer.json` (a BPE model whose merges are "a b" strings or [a, b] pairs).
    public init(tokenizerJSON url: URL, padToken: String = "<|endoftext|>", maxLength: Int = 77) throws {
        let object = try Self.readJSONObject(url)
        guard let model = object["model"] as? [String: Any], let vocabulary = model["vocab"] as? [String: Int],
              let rawMerges = model["merges"] as? [Any] else {
            throw TokenizerError(file: url.path, problem: "not a BPE tokenizer.json (model.vocab and model.merges are required)")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(rawMerges.count)
        for entry in rawMerges {
            if let pair = entry as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let text = entry as? String, let space = text.firstIndex(of: " ") {
                merges.append((String(text[..<space]), String(text[text.index(after: space)...])))
            } else {
                throw TokenizerError(file: url.path, problem: "malformed merge entry \(entry)")
            }
        }
        try TokenizerValidation.check(vocabulary: vocabulary, file: url.path)
        try TokenizerValidation.check(merges: merges, vocabulary: vocabulary, file: url.path)
        try self.init(vocabulary: vocabulary, merges: merges, padToken: padToken, maxLength: maxLength, origin: url.path)
    }

    /// The CLIP vocabulary bundled with Retouch, for single-file checkpoints that carry no tokenizer.
    public static func bundled(padToken: String = "<|endoftext|>") throws -> CLIPTokenizer {
        guard let folder = Bundle.module.url(forResource: "clip-vocabulary", withExtension: nil) else {
            throw TokenizerError(file: "clip-vocabulary", problem: "the bundled CLIP vocabulary is missing from the installation")
        }
        return try CLIPTokenizer(vocabulary: readVocabulary(folder.appendingPathComponent("vocab.json")),
                                 merges: readMerges(folder.appendingPathComponent("merges.txt")),
                                 padToken: padToken, origin: folder.path)
    }

    static func readVocabulary(_ url: URL) throws -> [String: Int] {
        let data = try readData(url)
        guard let vocabulary = try? JSONDecoder().decode([String: Int].self, from: data) else {
            throw TokenizerError(file: url.path, problem: "not a JSON object of token → id")
        }
        return vocabulary
    }

    static func readMerges(_ url: URL) throws -> [(String, String)] {
        guard let text = String(data: try readData(url), encoding: .utf8) else {
            throw TokenizerError(file: url.path, problem: "not UTF-8 text")
        }
        var merges: [(String, String)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            if number == 0 && line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2 else {
                throw TokenizerError(file: url.path, problem: "line \(number + 1) is not a merge of two symbols: '\(line)'")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }

    private static func readData(_ url: URL) throws -> Data {
        do { return try InputFile.data(url, maxBytes: InputFile.Limit.tokenizer, what: "tokenizer file") } catch let problem as FileProblem {
            throw TokenizerError(file: url.path, problem: problem.problem)
        }
    }

    private static func readJSONObject(_ url: URL) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: readData(url)) as? [String: Any] else {
            throw TokenizerError(file: url.path, problem: "not a JSON object")
        }
        return object
    }

    /// Pad token and maximum length from the folder's configs (defaults: `<|endoftext|>`, 77).
    private static func settings(in folder: URL) throws -> (padToken: String, maxLength: Int) {
        var padToken = "<|endoftext|>"
        var maxLength = 77
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let object = try readJSONObject(url)
            if let pad = object["pad_token"] as? String { padToken = pad }
            if let pad = (object["pad_token"] as? [String: Any])?["content"] as? String { padToken = pad }
            if let length = object["model_max_length"] as? Int, length <= 10_000 { maxLength = length }
        }
        return (padToken, maxLength)
    }
}
