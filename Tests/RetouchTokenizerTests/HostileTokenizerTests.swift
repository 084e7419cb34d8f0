import Foundation
import Testing
import RetouchTokenizer
import RetouchTestSupport

/// Garbled or empty tokenizer files are errors naming the file, never silently character-level tokens.
struct HostileTokenizerTests {
    enum Edit: Sendable {
        case merges(String)
        case vocabulary(@Sendable ([String: Int]) -> [String: Int])
    }

    static func vocabulary() throws -> [String: Int] {
        try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: Fixtures.url("models/tiny-sd1/tokenizer/vocab.json")))
    }

    @Test("hostile tokenizer files are refused naming the file", arguments: [
        ("merges.txt", Edit.merges(""), "holds no merges"),
        ("merges.txt", .merges("#version: 0.2\n"), "holds no merges"),
        ("merges.txt", .merges("#version: 0.2\n\u{2603}q \u{2603}r\n"), "merge 1 '\u{2603}q \u{2603}r' uses or makes '\u{2603}q', which is not in the vocabulary"),
        ("vocab.json", .vocabulary { _ in [:] }, "the vocabulary has 0 tokens; allowed 1…1000000"),
        ("vocab.json", .vocabulary { v in v.merging(["a": 999_999]) { $1 } }, "token 'a' has id 999999, outside the allowed range 0…49407"),
        ("vocab.json", .vocabulary { v in v.merging(["a": -1]) { $1 } }, "token 'a' has id -1, outside the allowed range"),
        ("vocab.json", .vocabulary { v in v.merging(["a": v["b"]!]) { $1 } }, "ids must be unique"),
        ("vocab.json", .vocabulary { v in
            var copy = v
            copy["<|startoftext|>"] = nil
            copy["<|endoftext|>"] = 49406
            return copy
        }, "the vocabulary lacks the special token <|startoftext|>"),
        ("vocab.json", .vocabulary { v in
            var copy = v
            copy["<|endoftext|>"] = nil
            return copy
        }, "the vocabulary lacks the special token <|endoftext|>"),
    ] as [(String, Edit, String)])
    func hostile(file: String, edit: Edit, problem: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("tokenizer")
        try FileManager.default.copyItem(at: Fixtures.url("models/tiny-sd1/tokenizer"), to: folder)
        switch edit {
        case .merges(let text): try HostileCopy.write(folder, "merges.txt", text)
        case .vocabulary(let change): try JSONEncoder().encode(change(try Self.vocabulary())).write(to: folder.appendingPathComponent("vocab.json"))
        }
        do {
            _ = try CLIPTokenizer(folder: folder)
            Issue.record("\(file) edit was accepted")
        } catch let error as TokenizerError {
            #expect(error.file == folder.appendingPathComponent(file).path, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
        }
    }

    @Test("a vocabulary without byte-level tokens is not a CLIP vocabulary")
    func notByteLevel() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"<|startoftext|>": 0, "<|endoftext|>": 1, "a": 2}"#.utf8).write(to: directory.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\na a\n".utf8).write(to: directory.appendingPathComponent("merges.txt"))
        #expect(throws: TokenizerError(file: directory.appendingPathComponent("vocab.json").path,
                                       problem: "the vocabulary lacks the byte-level token '\u{100}'; it is not a CLIP byte-level BPE vocabulary")) {
            try CLIPTokenizer(folder: directory)
        }
    }
}
