import Foundation
import Testing
import RetouchTokenizer
import RetouchTestSupport

/// AUTOMATIC1111's attention syntax and long-prompt chunking, case by case.
struct PromptWeightingTests {
    static func segments(_ prompt: String) -> [String] {
        PromptWeighting.parse(prompt).map { $0.isBreak ? "BREAK" : "\($0.text)@\(String(format: "%.4f", $0.weight))" }
    }

    @Test("attention syntax", arguments: [
        ("a cat", ["a cat@1.0000"]),
        ("a (cat)", ["a @1.0000", "cat@1.1000"]),
        ("a ((cat))", ["a @1.0000", "cat@1.2100"]),
        ("a [cat]", ["a @1.0000", "cat@0.9091"]),
        ("a (cat:1.5) on a mat", ["a @1.0000", "cat@1.5000", " on a mat@1.0000"]),
        ("(a (cat:2)):0.5)", ["a @1.1000", "cat@2.2000", ":0.5)@1.0000"]),
        ("((cat:0.5) dog)", ["cat@0.5500", " dog@1.1000"]),
        (#"a \(cat\)"#, ["a (cat)@1.0000"]),
        ("(unclosed cat", ["unclosed cat@1.1000"]),
        ("stray) bracket]", ["stray) bracket]@1.0000"]),
        ("time: 12:30", ["time: 12:30@1.0000"]),
        ("a cat BREAK a dog", ["a cat@1.0000", "BREAK", "a dog@1.0000"]),
        ("BREAKFAST", ["BREAKFAST@1.0000"]),
        ("", ["@1.0000"]),
    ] as [(String, [String])])
    func syntax(prompt: String, expected: [String]) {
        #expect(Self.segments(prompt) == expected)
    }

    @Test("weighted tokens carry their segment's weight")
    func weightedTokens() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let result = tokenizer.tokenize("a (red:1.5) cat", options: TokenizeOptions(weighting: true))
        #expect(Array(result.chunks[0].prefix(5)) == [49406, 320, 736, 2368, 49407])
        #expect(Array(result.weights[0].prefix(5)) == [1, 1, 1.5, 1, 1])
        #expect(result.weights[0].count == 77)
    }

    @Test("long prompts chunk at 75 tokens, backing up to a comma within 20")
    func chunking() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        // 70 single-token words, a comma, then 10 more words: the chunk fills at 75 tokens with the comma
        // 4 tokens back, so the 4 words after it move to the second chunk.
        let prompt = Array(repeating: "cat", count: 70).joined(separator: " ") + ", " + Array(repeating: "dog", count: 10).joined(separator: " ")
        let result = tokenizer.tokenize(prompt, options: TokenizeOptions(longPrompts: .chunk))
        let cat = 2368, dog = 1929, comma = 267
        #expect(result.chunks.count == 2)
        #expect(result.chunks.allSatisfy { $0.count == 77 && $0.first == 49406 && $0.last == 49407 })
        #expect(Array(result.chunks[0][1...71]) == Array(repeating: cat, count: 70) + [comma])
        #expect(result.chunks[0][72] == 49407, "padding after the comma")
        #expect(Array(result.chunks[1][1...10]) == Array(repeating: dog, count: 10))
        #expect(result.truncatedText == nil)
    }

    @Test("BREAK starts a new chunk; a short prompt is one chunk")
    func breakKeyword() throws {
        let tokenizer = try CLIPTokenizer.bundled()
        let options = TokenizeOptions(weighting: true, longPrompts: .chunk)
        #expect(tokenizer.tokenize("a cat", options: options).chunks.count == 1)
        let result = tokenizer.tokenize("a cat BREAK a dog", options: options)
        #expect(result.chunks.count == 2)
        #expect(Array(result.chunks[1].prefix(4)) == [49406, 320, 1929, 49407])
    }
}
