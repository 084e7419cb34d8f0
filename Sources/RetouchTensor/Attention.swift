import CKernels

/// Scaled dot-product attention computed in query chunks so memory stays bounded.
///
/// Matches PyTorch's `scaled_dot_product_attention` (no mask, no dropout) on diffusers' layout: heads are
/// interleaved in the feature dimension. Each worker owns one score tile of `chunk × Lk` floats, sized to
/// stay in cache, so a 4096-token self-attention never holds all heads' 4096×4096 score matrices at once.
public enum Attention {
    /// Score-tile budget per worker, in floats (4 MiB; 256 query rows at 4096 keys, measured fastest here).
    public static let tileBudget = 1 << 20

    /// `softmax(Q Kᵀ · scale) V` per head.
    ///
    /// - Parameters:
    ///   - query: `[B, Lq, heads * d]`
    ///   - key: `[B, Lk, heads * d]`
    ///   - value: `[B, Lk, heads * dv]`
    ///   - scale: defaults to `1 / sqrt(d)`.
    ///   - causal: query `i` attends only to keys `0...i` (CLIP's text encoder).
    ///   - tileBudget: floats per worker's score tile; the query chunk is `tileBudget / Lk` rows.
    /// - Returns: `[B, Lq, heads * dv]`
    public static func scaledDotProduct(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                        scale: Float? = nil, causal: Bool = false,
                                        tileBudget: Int = tileBudget) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention wants [B, L, features]")
        let (batch, queryLength, queryFeatures) = (query.shape[0], query.shape[1], query.shape[2])
        let (keyLength, valueFeatures) = (key.shape[1], value.shape[2])
        precondition(key.shape[0] == batch && value.shape[0] == batch && value.shape[1] == keyLength
                     && key.shape[2] == queryFeatures && queryFeatures % heads == 0 && valueFeatures % heads == 0,
                     "attention shapes \(query.shape) \(key.shape) \(value.shape) with \(heads) heads")
        let headDim = queryFeatures / heads
        let valueHeadDim = valueFeatures / heads
        let scale = scale ?? 1 / Float(headDim).squareRoot()
        let chunk = Swift.max(1, Swift.min(queryLength, tileBudget / keyLength))
        let chunksPerHead = (queryLength + chunk - 1) / chunk
        let tasks = batch * heads * chunksPerHead

        return Tensor(shape: [batch, queryLength, valueFeatures]) { out in
            query.withUnsafeBufferPointer { q in
                key.withUnsafeBufferPointer { k in
                    value.withUnsafeBufferPointer { v in
                        let out = out
                        Parallel.forRanges(tasks, costPerItem: chunk * keyLength * headDim) { taskRange in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: chunk * keyLength)
                            defer { scores.deallocate() }
                            for task in taskRange {
                                let b = task / (heads * chunksPerHead)
                                let h = (task / chunksPerHead) % heads
                                let start = (task % chunksPerHead) * chunk
                                let rows = Swift.min(chunk, queryLength - start)
                                let qBase = q.baseAddress! + (b * queryLength + start) * queryFeatures + h * headDim
                                let kBase = k.baseAddress! + b * keyLength * queryFeatures + h * headDim
                                let vBase = v.baseAddress! + b * keyLength * valueFeatures + h * valueHeadDim
                                let oBase = out.baseAddress! + (b * queryLength + start) * valueFeatures + h * valueHeadDim
                                // scores[rows, Lk] = Q_chunk · Kᵀ
                                GEMM.multiply(.plain, .transposed, m: rows, n: keyLength, k: headDim,
                                              a: qBase, lda: queryFeatures, b: kBase, ldb: queryFeatures,
                                              c: scores, ldc: keyLength, parallel: false)
                                if causal {
                                    for row in 0..<rows where start + row + 1 < keyLength {
                                        (scores + row * keyLength + start + row + 1)
                                            .update(repeating: -.infinity, count: keyLength - start - row - 1)
                                    }
                                }
                                rt_softmax_rows(scores, rows, keyLength, keyLength, scale)
                                // out[rows, dv] = P · V
                                GEMM.multiply(m: rows, n: valueHeadDim, k: keyLength,
                                              a: scores, lda: keyLength, b: vBase, ldb: valueFeatures,
                                              c: oBase, ldc: valueFeatures, parallel: false)
                            }
                        }
                    }
                }
            }
        }
    }
}
