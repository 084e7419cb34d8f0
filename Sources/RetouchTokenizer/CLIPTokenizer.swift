import Foundation

/// CLIP's byte-level BPE tokenizer, matching transformers' `CLIPTokenizer` as diffusers' pipelines use it.
///
/// Text is split on the special tokens, cleaned (`TextCleaner`), split by CLIP's pattern (`PreTokenizer`),
/// byte-encoded and BPE-merged; ids come from the vocabulary. Prompts for a text encoder are wrapped in
/// BOS/EOS and padded to `maxLength` (77) with the folder's pad token (`<|endoftext|>` for SD 1.x, `!` for SD 2.x).
public struct CLIPTokenizer: Sendable {
    /// Token string → id.
    let vocabulary: [String: Int]
    /// Id → token string.
    let tokens: [Int: String]
    let bpe: BPE
    /// Start-of-text id (49406 in CLIP's vocabulary).
    public let bosTokenID: Int
    /// End-of-text id (49407).
    public let eosTokenID: Int
    /// Padding id: EOS for SD 1.x folders, `!` (0) for SD 2.x.
    public let padTokenID: Int
    /// Sequence length the text encoder takes, BOS and EOS included (77).
    public let maxLength: Int
    let baseVocabularySize: Int

    /// Tokens matched literally in the raw text before any clean-up (transformers' added tokens): BOS, EOS and the
    /// pad token. SD 2.x folders pad with `!`, so a `!` typed in a prompt becomes the pad id there, as in diffusers.
    let addedTokens: [String]
    /// Textual-inversion embeddings added for a run (`addingEmbeddings`), longest trigger first.
    public internal(set) var embeddingTokens: [EmbeddingToken] = []

    /// Creates a tokenizer from a vocabulary and merges in priority order.
    public init(vocabulary: [String: Int], merges: [(String, String)], padToken: String = "<|endoftext|>",
                maxLength: Int = 77, origin: String = "tokenizer") throws {
        guard let bos = vocabulary["<|startoftext|>"], let eos = vocabulary["<|endoftext|>"] else {
            throw TokenizerError(file: origin, problem: "the vocabulary lacks <|startoftext|> or <|endoftext|>")
        }
        guard let pad = vocabulary[padToken] else {
            throw TokenizerError(file: origin, problem: "the pad token '\(padToken)' is not in the vocabulary")
        }
        guard maxLength >= 3 else { throw TokenizerError(file: origin, problem: "model_max_length \(maxLength) is too small") }
        self.vocabulary = vocabulary
        self.tokens = Dictionary(vocabulary.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        self.bpe = BPE(merges: merges)
        self.bosTokenID = bos
        self.eosTokenID = eos
        self.padTokenID = pad
        self.maxLength = maxLength
        self.addedTokens = Array(Set(["<|startoftext|>", "<|endoftext|>", padToken]))
        self.baseVocabularySize = (tokens.keys.max() ?? -1) + 1
    }

    /// The number of tokens in the vocabulary (ids are below it in a validated vocabulary file).
    public var vocabularySize: Int { baseVocabularySize }

    /// The token ids of `text`, without BOS/EOS.
    public func encode(_ text: String) -> [Int] {
        replacingEmbeddings(encodeWithoutEmbeddings(text))
    }

    /// The BPE ids of `text`, embedding triggers left as words.
    func encodeWithoutEmbeddings(_ text: String) -> [Int] {
        var ids: [Int] = []
        for (segment, isSpecial) in splitOnAddedTokens(text) {
            if isSpecial {
                ids.append(vocabulary[String(segment)]!)
                continue
            }
            for piece in PreTokenizer.split(TextCleaner.clean(segment)) {
                for symbol in bpe.encode(ByteEncoder.encode(piece)) {
                    if let id = vocabulary[symbol] { ids.append(id) }
                    else { ids.append(eosTokenID) }   // unreachable with a byte-complete vocabulary (CLIP's unk is EOS)
                }
            }
        }
        return ids
    }

    /// The text of `ids` (BOS and EOS dropped, word ends as spaces).
    public func decode(_ ids: [Int]) -> String {
        var text = ""
        var pending: [String] = []
        func flush() {
            text += ByteEncoder.decode(pending.joined())
            pending = []
        }
        for id in ids where id != bosTokenID && id != eosTokenID {
            if let embedding = embeddingTokens.first(where: { $0.ids.contains(id) }), let index = embedding.ids.firstIndex(of: id) {
                flush()
                text += (index == 0 ? embedding.name : "\(embedding.name)_\(index)") + " "
                continue
            }
            guard let token = tokens[id] else { continue }
            if token.hasSuffix("</w>") {
                pending.append(String(token.dropLast(4)))
                flush()
                text += " "
            } else {
                pending.append(token)
            }
        }
        flush()
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Splits raw text around literal added tokens, longest match first at the earliest position.
    func splitOnAddedTokens(_ text: String) -> [(Substring, Bool)] {
        var parts: [(Substring, Bool)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let matches = addedTokens.compactMap { token in rest.range(of: token).map { ($0, token) } }
            guard let first = matches.min(by: {
                ($0.0.lowerBound, -$0.1.count) < ($1.0.lowerBound, -$1.1.count)
            }) else {
                parts.append((rest, false))
                break
            }
            if first.0.lowerBound > rest.startIndex { parts.append((rest[..<first.0.lowerBound], false)) }
            parts.append((rest[first.0], true))
            rest = rest[first.0.upperBound...]
        }
        return parts
    }
}
