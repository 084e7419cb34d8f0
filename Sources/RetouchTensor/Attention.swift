import CBF16Kernels
import CKernels
import RetouchChecks

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
    ///   - bf16: both products through the bf16 GEMM, softmax in fp32 (the attention of `Precision.bf16`
    ///     models). K and Vᵀ are packed once per head as the GEMM's left operand; each query chunk and score tile
    ///     is the right operand, so the products run as Sᵀ = K·Qᵀ and Oᵀ = Vᵀ·Pᵀ written back transposed.
    ///   - bf16Path: the bf16 kernel (resolved as `GEMM.BF16Path.resolved`); ignored unless `bf16`.
    /// - Returns: `[B, Lq, heads * dv]`
    public static func scaledDotProduct(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                        scale: Float? = nil, causal: Bool = false,
                                        tileBudget: Int = tileBudget, bf16: Bool = false,
                                        bf16Path: GEMM.BF16Path = .automatic) -> Tensor {
        if bf16 { return scaledDotProductBF16(query: query, key: key, value: value, heads: heads, scale: scale,
                                              causal: causal, tileBudget: tileBudget, path: bf16Path) }
        require(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention wants [B, L, features]")
        let (batch, queryLength, queryFeatures) = (query.shape[0], query.shape[1], query.shape[2])
        let (keyLength, valueFeatures) = (key.shape[1], value.shape[2])
        require(key.shape[0] == batch && value.shape[0] == batch && value.shape[1] == keyLength
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

    static func scaledDotProductBF16(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                     scale: Float?, causal: Bool, tileBudget: Int, path: GEMM.BF16Path) -> Tensor {
        let kernel = path.resolved.cKernel
        let (batch, queryLength, queryFeatures) = (query.shape[0], query.shape[1], query.shape[2])
        let (keyLength, valueFeatures) = (key.shape[1], value.shape[2])
        let headDim = queryFeatures / heads, valueHeadDim = valueFeatures / heads
        let scale = scale ?? 1 / Float(headDim).squareRoot()
        let chunk = Swift.max(1, Swift.min(queryLength, Swift.min(tileBudget, 1 << 19) / keyLength))
        let chunksPerHead = (queryLength + chunk - 1) / chunk
        // Per (batch, head): K [Lk × d] and Vᵀ [dv × Lk] packed as bf16 left operands.
        let keyCount = rt_bf16_kernel_packed_count(kernel, keyLength, headDim)
        let valueCount = rt_bf16_kernel_packed_count(kernel, valueHeadDim, keyLength)
        var packedKeys = [UInt16](repeating: 0, count: batch * heads * keyCount)
        var packedValues = [UInt16](repeating: 0, count: batch * heads * valueCount)
        key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                packedKeys.withUnsafeMutableBufferPointer { pk in
                    packedValues.withUnsafeMutableBufferPointer { pv in
                        let (pk, pv) = (pk.baseAddress!, pv.baseAddress!)
                        Parallel.forEach(batch * heads, costPerItem: keyLength * (headDim + valueHeadDim)) { index in
                            let (b, h) = (index / heads, index % heads)
                            rt_bf16_kernel_pack(kernel, keyLength, headDim, k.baseAddress! + b * keyLength * queryFeatures + h * headDim,
                                         queryFeatures, pk + index * keyCount)
                            let transposed = UnsafeMutablePointer<Float>.allocate(capacity: valueHeadDim * keyLength)
                            defer { transposed.deallocate() }
                            let vBase = v.baseAddress! + b * keyLength * valueFeatures + h * valueHeadDim
                            for j in 0..<keyLength { for d in 0..<valueHeadDim { transposed[d * keyLength + j] = vBase[j * valueFeatures + d] } }
                            rt_bf16_kernel_pack(kernel, valueHeadDim, keyLength, transposed, keyLength, pv + index * valueCount)
                        }
                    }
                }
            }
        }
        let tasks = batch * heads * chunksPerHead
        return Tensor(shape: [batch, queryLength, valueFeatures]) { out in
            query.withUnsafeBufferPointer { q in
                packedKeys.withUnsafeBufferPointer { pk in
                    packedValues.withUnsafeBufferPointer { pv in
                        let out = out
                        Parallel.forRanges(tasks, costPerItem: chunk * keyLength * headDim) { taskRange in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: chunk * keyLength)
                            defer { scores.deallocate() }
                            for task in taskRange {
                                let index = task / chunksPerHead, (b, h) = (index / heads, index % heads)
                                let start = (task % chunksPerHead) * chunk
                                let rows = Swift.min(chunk, queryLength - start)
                                let qBase = q.baseAddress! + (b * queryLength + start) * queryFeatures + h * headDim
                                let oBase = out.baseAddress! + (b * queryLength + start) * valueFeatures + h * valueHeadDim
                                // Sᵀ[Lk × rows] = K · Q_chunkᵀ, stored transposed: scores[rows × Lk].
                                GEMM.operationCount.add(2 * rows * keyLength * headDim, ordering: .relaxed)
                                rt_bf16_kernel_gemm(kernel, keyLength, rows, headDim, pk.baseAddress! + index * keyCount, qBase, queryFeatures, 1,
                                             scores, 1, keyLength, 0)
                                if causal {
                                    for row in 0..<rows where start + row + 1 < keyLength {
                                        (scores + row * keyLength + start + row + 1)
                                            .update(repeating: -.infinity, count: keyLength - start - row - 1)
                                    }
                                }
                                rt_softmax_rows(scores, rows, keyLength, keyLength, scale)
                                // Oᵀ[dv × rows] = Vᵀ · Pᵀ, stored transposed into the output rows.
                                GEMM.operationCount.add(2 * rows * valueHeadDim * keyLength, ordering: .relaxed)
                                rt_bf16_kernel_gemm(kernel, valueHeadDim, rows, keyLength, pv.baseAddress! + index * valueCount, scores, keyLength, 1,
                                             oBase, 1, valueFeatures, 0)
                            }
                        }
                    }
                }
            }
        }
    }
}
