/// AUTOMATIC1111's chunking of long prompts (its `tokenize_line`): tokens fill chunks of 75; when a chunk is full
/// and a comma lies within the last 20 tokens, the text after that comma moves to the next chunk; `BREAK` starts
/// a new chunk; each chunk is padded to 75 and wrapped in BOS/EOS (77 ids, weight 1 on BOS, EOS and padding).
struct PromptChunker {
    let bos: Int, eos: Int, pad: Int
    let comma: Int?
    let chunkLength: Int
    /// How far back (in tokens) a comma may be to move the chunk's tail (A1111's `comma_padding_backtrack`).
    var commaBacktrack = 20
    /// Multi-vector embeddings: first added id → vector count. As A1111 does, an embedding never straddles two
    /// chunks: when it does not fit, the chunk is closed first.
    var groups: [Int: Int] = [:]

    /// `segments`: each segment's (id, weight) pairs, or nil for `BREAK`.
    func chunks(_ segments: [[(Int, Float)]?]) -> ([[Int]], [[Float]]) {
        var chunks: [[Int]] = []
        var weights: [[Float]] = []
        var tokens: [Int] = []
        var multipliers: [Float] = []
        var lastComma = -1

        func close() {
            let missing = chunkLength - tokens.count
            chunks.append([bos] + tokens + Array(repeating: pad, count: max(missing, 0)) + [eos])
            weights.append([1] + multipliers + Array(repeating: 1, count: max(missing, 0)) + [1])
            tokens = []
            multipliers = []
            lastComma = -1
        }

        for segment in segments {
            guard let segment else {
                close()
                continue
            }
            var position = 0
            while position < segment.count {
                let token = segment[position].0
                if token == comma {
                    lastComma = tokens.count
                } else if commaBacktrack != 0, tokens.count == chunkLength, lastComma != -1,
                          tokens.count - lastComma <= commaBacktrack {
                    let breakAt = lastComma + 1
                    let movedTokens = Array(tokens[breakAt...])
                    let movedWeights = Array(multipliers[breakAt...])
                    tokens.removeSubrange(breakAt...)
                    multipliers.removeSubrange(breakAt...)
                    close()
                    tokens = movedTokens
                    multipliers = movedWeights
                }
                if tokens.count == chunkLength { close() }
                let length = min(groups[token] ?? 1, segment.count - position)
                if length > 1, tokens.count + length > chunkLength { close() }
                for (id, w) in segment[position..<(position + length)] {
                    tokens.append(id)
                    multipliers.append(w)
                }
                position += length
            }
        }
        if !tokens.isEmpty || chunks.isEmpty { close() }
        return (chunks, weights)
    }
}
