/// How prompts longer than the text encoder's window are handled.
public enum LongPromptMode: String, Sendable, CaseIterable {
    /// diffusers: keep the first `maxLength − 2` tokens and report what was dropped.
    case truncate
    /// AUTOMATIC1111: split into chunks of 75 tokens (breaking after a nearby comma), each wrapped in
    /// BOS/EOS; the text encoder encodes each chunk and the embeddings are concatenated.
    case chunk
}

/// Options for turning a prompt into text-encoder inputs.
public struct TokenizeOptions: Sendable, Equatable {
    /// Parse AUTOMATIC1111's attention syntax: `(word)`, `[word]`, `(word:1.3)`, `BREAK`.
    public var weighting: Bool
    /// What to do with prompts longer than the window.
    public var longPrompts: LongPromptMode

    /// Defaults match diffusers: plain text, truncated.
    public init(weighting: Bool = false, longPrompts: LongPromptMode = .truncate) {
        self.weighting = weighting
        self.longPrompts = longPrompts
    }
}

/// A prompt ready for the text encoder.
public struct TokenizedPrompt: Sendable, Equatable {
    /// One or more sequences of exactly `maxLength` ids (BOS … EOS, padded).
    public var chunks: [[Int]]
    /// A weight per id of each chunk (all 1 without weighting).
    public var weights: [[Float]]
    /// The text that did not fit when truncating, for a warning; nil when nothing was dropped.
    public var truncatedText: String?
}

extension CLIPTokenizer {
    /// Tokenizes a prompt for the text encoder.
    public func tokenize(_ prompt: String, options: TokenizeOptions = .init()) -> TokenizedPrompt {
        let segments: [PromptSegment] = options.weighting
            ? PromptWeighting.parse(prompt)
            : [PromptSegment(text: prompt, weight: 1)]
        switch options.longPrompts {
        case .truncate:
            let tokens = segments.filter { !$0.isBreak }.flatMap { segment in
                encode(segment.text).map { ($0, segment.weight) }
            }
            let room = maxLength - 2
            let kept = tokens.prefix(room)
            let padding = maxLength - 2 - kept.count
            let ids = [bosTokenID] + kept.map(\.0) + [eosTokenID] + Array(repeating: padTokenID, count: padding)
            let weights = [1] + kept.map(\.1) + [1] + Array(repeating: Float(1), count: padding)
            let dropped = tokens.dropFirst(room).map(\.0)
            return TokenizedPrompt(chunks: [ids], weights: [weights], truncatedText: dropped.isEmpty ? nil : decode(dropped))
        case .chunk:
            let commaID = vocabulary[",</w>"]
            let chunker = PromptChunker(bos: bosTokenID, eos: eosTokenID, pad: padTokenID, comma: commaID,
                                        chunkLength: maxLength - 2, groups: embeddingGroups)
            let (chunks, weights) = chunker.chunks(segments.map { segment in
                segment.isBreak ? nil : encode(segment.text).map { ($0, segment.weight) }
            })
            return TokenizedPrompt(chunks: chunks, weights: weights, truncatedText: nil)
        }
    }
}
