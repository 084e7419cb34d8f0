/// A textual-inversion embedding's place in the tokenizer: the ids its name tokenizes to, and the added ids
/// (at and above the vocabulary size) that stand for its vectors.
public struct EmbeddingToken: Sendable, Equatable {
    /// The trigger word (the file stem).
    public let name: String
    /// The BPE ids of `name` without BOS/EOS, matched in prompts (AUTOMATIC1111's rule).
    public let trigger: [Int]
    /// The added ids that replace a match: one per vector, consecutive.
    public let ids: [Int]
}

extension CLIPTokenizer {
    /// A copy that knows the embeddings `(name, vectors)`, given ids from the vocabulary size up, in order (the ids
    /// diffusers' `load_textual_inversion` gives `name, name_1, …` when loaded in the same order).
    ///
    /// A prompt triggers an embedding where the BPE ids of its name appear (AUTOMATIC1111's
    /// `find_embedding_at_position`, longest name first): that is case-insensitive and whole-word for names that are
    /// whole words; the ids are replaced by the embedding's added ids.
    public func addingEmbeddings(_ embeddings: [(name: String, vectors: Int)]) throws -> CLIPTokenizer {
        var copy = self
        var next = vocabularySize + embeddingTokens.reduce(0) { $0 + $1.ids.count }
        for (name, vectors) in embeddings {
            let trigger = encodeWithoutEmbeddings(name)
            guard !trigger.isEmpty, vectors > 0 else {
                throw TokenizerError(file: name, problem: "the embedding name tokenizes to nothing, so no prompt can use it")
            }
            guard vectors <= maxLength - 2 else {
                throw TokenizerError(file: name, problem: "the embedding has \(vectors) vectors; a prompt chunk holds \(maxLength - 2)")
            }
            if let clash = copy.embeddingTokens.first(where: { $0.trigger == trigger }) {
                throw TokenizerError(file: name, problem: "the embedding name is the same word as the embedding '\(clash.name)' (names match case-insensitively)")
            }
            copy.embeddingTokens.append(EmbeddingToken(name: name, trigger: trigger, ids: Array(next..<(next + vectors))))
            next += vectors
        }
        copy.embeddingTokens.sort { $0.trigger.count > $1.trigger.count }
        return copy
    }

    /// Replaces embedding triggers in `ids` with the embeddings' added ids.
    func replacingEmbeddings(_ ids: [Int]) -> [Int] {
        guard !embeddingTokens.isEmpty else { return ids }
        var result: [Int] = []
        var position = 0
        while position < ids.count {
            if let match = embeddingTokens.first(where: { token in
                position + token.trigger.count <= ids.count && ids[position..<(position + token.trigger.count)].elementsEqual(token.trigger)
            }) {
                result += match.ids
                position += match.trigger.count
            } else {
                result.append(ids[position])
                position += 1
            }
        }
        return result
    }

    /// The names of the embeddings whose added ids appear in `ids`, in the order of first use.
    public func embeddingsUsed(in ids: [Int]) -> [String] {
        var names: [String] = []
        for id in ids where id >= vocabularySize {
            if let token = embeddingTokens.first(where: { $0.ids.first == id }), !names.contains(token.name) { names.append(token.name) }
        }
        return names
    }

    /// For the chunker: the first added id of each multi-vector embedding → its vector count.
    var embeddingGroups: [Int: Int] {
        Dictionary(embeddingTokens.compactMap { $0.ids.count > 1 ? ($0.ids[0], $0.ids.count) : nil }, uniquingKeysWith: { a, _ in a })
    }
}
