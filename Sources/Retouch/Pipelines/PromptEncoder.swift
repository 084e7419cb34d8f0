import Foundation
import RetouchModels
import RetouchTensor
import RetouchTokenizer

/// Text conditioning for classifier-free guidance: the negative (unconditional) and positive prompt embeddings,
/// stacked as diffusers does (`[negative, positive]`).
public struct PromptConditioning: Sendable {
    /// `[2, L, D]`: index 0 negative, index 1 positive.
    public let embeddings: Tensor
    /// Warnings for the user (text dropped by truncation).
    public let warnings: [String]
}

extension StableDiffusion {
    /// Encodes a prompt and a negative prompt. With `options.longPrompts == .chunk`, each 75-token chunk is encoded
    /// separately and the chunks concatenated (the shorter prompt padded with empty chunks), and with weighting the
    /// embeddings are scaled per token and their mean restored, as AUTOMATIC1111 does. The last few encodings are
    /// kept, so outpaint windows, variations and batch items with one prompt encode it once.
    public func encode(prompt: String, negativePrompt: String, options: TokenizeOptions = .init(), clipSkip: Int = 1) -> PromptConditioning {
        let key = "\(prompt)\u{0}\(negativePrompt)\u{0}\(options.weighting)\u{0}\(options.longPrompts)\u{0}\(clipSkip)\u{0}\(embeddings.map { "\($0.name):\($0.shortHash)" })"
        if let cached = conditioningCache[key] { return cached }
        let conditioning = encodeUncached(prompt: prompt, negativePrompt: negativePrompt, options: options, clipSkip: clipSkip)
        conditioningCache[key] = conditioning
        finished(with: .textEncoder)
        return conditioning
    }

    private func encodeUncached(prompt: String, negativePrompt: String, options: TokenizeOptions, clipSkip: Int) -> PromptConditioning {
        let textEncoder = self.textEncoder
        // `<lora:…>` tags chose LoRAs at load; like AUTOMATIC1111, they are not part of the text.
        let positive = tokenizer.tokenize(LoRATag.stripped(prompt), options: options)
        let negative = tokenizer.tokenize(LoRATag.stripped(negativePrompt), options: options)
        var warnings: [String] = []
        if let dropped = positive.truncatedText {
            warnings.append("the prompt is longer than \(tokenizer.maxLength - 2) tokens; this part was dropped: \"\(dropped)\"")
        }
        if let dropped = negative.truncatedText {
            warnings.append("the negative prompt is longer than \(tokenizer.maxLength - 2) tokens; this part was dropped: \"\(dropped)\"")
        }
        let chunkCount = max(positive.chunks.count, negative.chunks.count)
        let empty = tokenizer.tokenize("", options: options)
        func padded(_ tokenized: TokenizedPrompt) -> TokenizedPrompt {
            var copy = tokenized
            while copy.chunks.count < chunkCount {
                copy.chunks.append(empty.chunks[0])
                copy.weights.append(empty.weights[0])
            }
            return copy
        }
        let rows = [padded(negative), padded(positive)].map { tokenized -> Tensor in
            let parts = zip(tokenized.chunks, tokenized.weights).map { chunk, weights in
                weighted(textEncoder.encode([chunk], skipLayers: clipSkip - 1), weights: weights)
            }
            return parts.count == 1 ? parts[0] : Tensor.concatenateTokens(parts)
        }
        return PromptConditioning(embeddings: Tensor.concatenateBatch(rows), warnings: warnings)
    }

    /// Scales each token's embedding by its weight, then rescales so the mean is unchanged (A1111's emphasis).
    private func weighted(_ embedding: Tensor, weights: [Float]) -> Tensor {
        guard weights.contains(where: { $0 != 1 }) else { return embedding }
        let width = embedding.shape[2]
        let originalMean = embedding.scalars.reduce(0, +) / Float(embedding.count)
        var scaled = embedding
        for (token, weight) in weights.enumerated() {
            for d in 0..<width { scaled.scalars[token * width + d] *= weight }
        }
        let newMean = scaled.scalars.reduce(0, +) / Float(scaled.count)
        return newMean == 0 ? scaled : scaled * (originalMean / newMean)
    }
}

extension Tensor {
    /// Concatenates `[1, L_i, D]` tensors along the token dimension.
    static func concatenateTokens(_ parts: [Tensor]) -> Tensor {
        let width = parts[0].shape[2]
        return Tensor(shape: [1, parts.reduce(0) { $0 + $1.shape[1] }, width], scalars: parts.flatMap(\.scalars))
    }
}

/// The most recent prompt encodings of one model (a few, by prompt, negative prompt and options).
final class ConditioningCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(key: String, value: PromptConditioning)] = []
    private let capacity = 4

    subscript(key: String) -> PromptConditioning? {
        get {
            lock.lock(); defer { lock.unlock() }
            return entries.first { $0.key == key }?.value
        }
        set {
            lock.lock(); defer { lock.unlock() }
            entries.removeAll { $0.key == key }
            if let newValue { entries.append((key, newValue)) }
            if entries.count > capacity { entries.removeFirst() }
        }
    }
}
