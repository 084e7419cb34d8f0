import Foundation
import Testing
import RetouchTokenizer
import RetouchTestSupport

/// Token ids equal transformers' CLIPTokenizer (the tokenizer diffusers' pipelines load) for a broad table of
/// prompts: fixtures/tokenizer/make_token_references.py.
struct TokenIDTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let prompt: String
        let ids: [Int]
        let sd1_padded: [Int]
        let sd2_padded: [Int]
        let fast_ids: [Int]
        var description: String { String(prompt.prefix(40)) }
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("tokenizer/token_references.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    static let sd1 = try? CLIPTokenizer(vocabulary: readVocabulary(), merges: readMerges())
    static let sd2 = try? CLIPTokenizer(vocabulary: readVocabulary(), merges: readMerges(), padToken: "!")

    static func readVocabulary() throws -> [String: Int] {
        try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: Fixtures.url("tokenizer/vocab.json")))
    }

    static func readMerges() throws -> [(String, String)] {
        let text = try String(contentsOf: Fixtures.url("tokenizer/merges.txt"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let parts = line.split(separator: " ")
            return (String(parts[0]), String(parts[1]))
        }
    }

    @Test("the reference table is present")
    func tableLoaded() { #expect(Self.cases.count >= 16) }

    @Test("ids equal the reference tokenizer's", arguments: cases)
    func ids(_ c: Case) throws {
        let tokenizer = try #require(Self.sd1)
        #expect([tokenizer.bosTokenID] + tokenizer.encode(c.prompt) + [tokenizer.eosTokenID] == c.ids)
        #expect(c.ids == c.fast_ids, "slow and fast reference tokenizers agree")
    }

    @Test("padded and truncated to 77 as SD 1.x and SD 2.x folders do", arguments: cases)
    func padded(_ c: Case) throws {
        let sd1 = try #require(Self.sd1), sd2 = try #require(Self.sd2)
        #expect(sd1.tokenize(c.prompt).chunks == [c.sd1_padded])
        #expect(sd2.tokenize(c.prompt).chunks == [c.sd2_padded])
    }

    @Test("the README's example")
    func readmeExample() throws {
        let tokenizer = try #require(Self.sd1)
        #expect(tokenizer.encode("a photo of an astronaut riding a horse on mars")
                == [320, 1125, 539, 550, 18376, 6765, 320, 4558, 525, 7496])
    }

    @Test("a truncated prompt reports the dropped text")
    func truncation() throws {
        let tokenizer = try #require(Self.sd1)
        let prompt = Array(repeating: "cat", count: 80).joined(separator: " ") + " on a red sofa"
        let result = tokenizer.tokenize(prompt)
        #expect(result.chunks[0].count == 77)
        #expect(result.chunks[0].last == tokenizer.eosTokenID)
        #expect(result.truncatedText == "cat cat cat cat cat on a red sofa")
        #expect(tokenizer.tokenize("a cat").truncatedText == nil)
    }

    @Test("decode inverts encode for plain text")
    func decode() throws {
        let tokenizer = try #require(Self.sd1)
        #expect(tokenizer.decode(tokenizer.encode("Café au lait, 2 cups!")) == "café au lait , 2 cups !")
    }
}
