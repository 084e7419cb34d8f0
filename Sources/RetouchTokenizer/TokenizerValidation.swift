/// Checks that a vocabulary and merge list form a usable CLIP BPE tokenizer, so a garbled file is an error naming
/// it rather than silently giving character-level or end-of-text tokens.
enum TokenizerValidation {
    /// The largest vocabulary accepted: 1,000,000 tokens (CLIP: 49,408).
    static let maxVocabulary = 1_000_000

    /// The vocabulary must be non-empty and at most `maxVocabulary` tokens; its ids must be unique and in
    /// `0..<count`; it must hold `<|startoftext|>`, `<|endoftext|>` and every byte symbol (alone and with `</w>`).
    static func check(vocabulary: [String: Int], file: String) throws {
        func fail(_ problem: String) -> TokenizerError { TokenizerError(file: file, problem: problem) }
        let count = vocabulary.count
        guard (1...maxVocabulary).contains(count) else {
            throw fail("the vocabulary has \(count) tokens; allowed 1…\(maxVocabulary)")
        }
        var owner = [String?](repeating: nil, count: count)
        for (token, id) in vocabulary.sorted(by: { $0.value < $1.value }) {
            guard (0..<count).contains(id) else {
                throw fail("token '\(token)' has id \(id), outside the allowed range 0…\(count - 1) for \(count) tokens")
            }
            if let other = owner[id] { throw fail("id \(id) is given to both '\(other)' and '\(token)'; ids must be unique") }
            owner[id] = token
        }
        for special in ["<|startoftext|>", "<|endoftext|>"] where vocabulary[special] == nil {
            throw fail("the vocabulary lacks the special token \(special)")
        }
        for scalar in ByteEncoder.scalarForByte {
            let symbol = String(scalar)
            for token in [symbol, symbol + "</w>"] where vocabulary[token] == nil {
                throw fail("the vocabulary lacks the byte-level token '\(token)'; it is not a CLIP byte-level BPE vocabulary")
            }
        }
    }

    /// There must be at least one merge, and each merge's two symbols and their join must be vocabulary tokens.
    static func check(merges: [(String, String)], vocabulary: [String: Int], file: String) throws {
        func fail(_ problem: String) -> TokenizerError { TokenizerError(file: file, problem: problem) }
        guard !merges.isEmpty else {
            throw fail("holds no merges; the tokenizer would split every word into single characters")
        }
        for (number, merge) in merges.enumerated() {
            for symbol in [merge.0, merge.1, merge.0 + merge.1] where vocabulary[symbol] == nil {
                throw fail("merge \(number + 1) '\(merge.0) \(merge.1)' uses or makes '\(symbol)', which is not in the vocabulary")
            }
        }
    }
}
