import Foundation
import Testing
import RetouchTokenizer
import RetouchTestSupport

/// Tokenizers load from diffusers folders, tokenizer.json and the bundled vocabulary, and give the same ids;
/// broken folders are errors naming the file.
struct TokenizerLoadingTests {
    static let prompt = "a photo of an astronaut riding a horse on mars, café, 東京 🎨"

    @Test("folder, tokenizer.json and bundled vocabulary agree")
    func sources() throws {
        let folder = try CLIPTokenizer(folder: Fixtures.url("models/tiny-sd1/tokenizer"))
        let json = try CLIPTokenizer(tokenizerJSON: Fixtures.url("tokenizer/tokenizer.json"))
        let bundled = try CLIPTokenizer.bundled()
        #expect(folder.encode(Self.prompt) == json.encode(Self.prompt))
        #expect(folder.encode(Self.prompt) == bundled.encode(Self.prompt))
    }

    @Test("the pad token comes from the folder's config: SD 1.x pads with EOS, SD 2.x with '!'")
    func padTokens() throws {
        #expect(try CLIPTokenizer(folder: Fixtures.url("models/tiny-sd1/tokenizer")).padTokenID == 49407)
        #expect(try CLIPTokenizer(folder: Fixtures.url("models/tiny-sd2/tokenizer")).padTokenID == 0)
        #expect(try CLIPTokenizer.bundled(padToken: "!").padTokenID == 0)
    }

    @Test("broken tokenizer files are errors naming the file")
    func errors() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: TokenizerError(file: directory.path, problem: "no vocab.json + merges.txt or tokenizer.json in the tokenizer folder")) {
            try CLIPTokenizer(folder: directory)
        }
        try Data("[1, 2]".utf8).write(to: directory.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\na b\n".utf8).write(to: directory.appendingPathComponent("merges.txt"))
        #expect(throws: TokenizerError(file: directory.appendingPathComponent("vocab.json").path, problem: "not a JSON object of token → id")) {
            try CLIPTokenizer(folder: directory)
        }
        try Data(#"{"a": 0, "b": 1}"#.utf8).write(to: directory.appendingPathComponent("vocab.json"))
        #expect(throws: TokenizerError(file: directory.appendingPathComponent("vocab.json").path, problem: "the vocabulary lacks the special token <|startoftext|>")) {
            try CLIPTokenizer(folder: directory)
        }
        try Data("#version: 0.2\nabc\n".utf8).write(to: directory.appendingPathComponent("merges.txt"))
        #expect(throws: TokenizerError(file: directory.appendingPathComponent("merges.txt").path, problem: "line 2 is not a merge of two symbols: 'abc'")) {
            try CLIPTokenizer(folder: directory)
        }
    }
}
