import RetouchSafetensors
import RetouchTensor

/// The weight change ΔW·scale one module describes, as a row-major `[out, rest]` matrix (rest = in·kh·kw).
///
/// Low-rank: `(α/r)·up·down`, with a Tucker core `lora_mid` as `up·mid[:,:,h,w]·down` per kernel tap. LoHa:
/// `(α/dim)·(w1a·w1b) ⊙ (w2a·w2b)`, `dim = w1b.rows`. LoKr: `kron(w1, w2)`, scaled by `α/dim` only when a factor
/// is decomposed. Every product runs on `GEMM.multiply`; every shape read from the file is checked first.
struct LoRADelta {
    /// Rows (output channels) and columns (in·kh·kw) of the delta.
    let rows: Int, columns: Int
    /// The shape the delta has as a layer weight (`[out, in]` or `[out, in, kh, kw]`).
    let layerShape: [Int]
    /// Row-major scalars.
    let scalars: [Float]

    static func compute(_ module: LoRAModule, archive: any TensorArchive) throws -> LoRADelta {
        func read(_ part: LoRAPart) throws -> Tensor? { try module.tensorNames[part].map { try archive.tensor($0) } }
        func fail(_ problem: String) -> ModelLoadingError {
            ModelLoadingError(origin: archive.path, key: module.tensorNames.values.sorted().first, problem: "\(module.component.rawValue) layer \(module.name): \(problem)")
        }
        switch module.kind {
        case .lowRank:
            guard let down = try read(.down), let up = try read(.up) else { throw fail("incomplete LoRA") }
            guard down.rank == 2 || down.rank == 4, up.rank == 2 || (up.rank == 4 && up.shape[2] == 1 && up.shape[3] == 1) else {
                throw fail("lora_down \(down.shape) and lora_up \(up.shape) are not the shapes of a linear or conv LoRA")
            }
            let rank = down.shape[0], out = up.shape[0]
            let scale = scaleFor(module.alpha, dim: rank)
            if let mid = try read(.mid) {
                guard mid.rank == 4, mid.shape[0] == rank, mid.shape[1] == rank, up.shape[1] == rank, down.rank == 4, down.shape[2] == 1, down.shape[3] == 1 else {
                    throw fail("lora_mid \(mid.shape) does not fit lora_down \(down.shape) and lora_up \(up.shape) (rank \(rank))")
                }
                let inputs = down.shape[1]
                let core = tucker(core: mid, outer: transpose(up.scalars, rows: out, columns: rank), outerRows: out, inner: down.scalars, innerColumns: inputs, rank: rank)
                return LoRADelta(rows: out, columns: inputs * mid.shape[2] * mid.shape[3], layerShape: [out, inputs, mid.shape[2], mid.shape[3]],
                                 scalars: core.map { $0 * scale })
            }
            guard up.shape[1] == rank else {
                throw fail("rank mismatch: lora_down has rank \(rank) \(down.shape) but lora_up has \(up.shape[1]) \(up.shape)")
            }
            let columns = down.count / max(rank, 1)
            let product = multiply(up.scalars, down.scalars, m: out, n: columns, k: rank, scale: scale)
            return LoRADelta(rows: out, columns: columns, layerShape: [out] + down.shape.dropFirst(), scalars: product)
        case .loha:
            guard let w1a = try read(.hadaW1A), let w1b = try read(.hadaW1B), let w2a = try read(.hadaW2A), let w2b = try read(.hadaW2B) else {
                throw fail("incomplete LoHa")
            }
            guard w1a.rank == 2, w1b.rank == 2, w2a.rank == 2, w2b.rank == 2 else { throw fail("LoHa factors must be matrices") }
            let dim = w1b.shape[0]
            let scale = scaleFor(module.alpha, dim: dim)
            let t1 = try read(.hadaT1), t2 = try read(.hadaT2)
            guard (t1 == nil) == (t2 == nil) else { throw fail("LoHa has only one of hada_t1 and hada_t2") }
            let first = try hadamardFactor(w1a, w1b, t1, fail), second = try hadamardFactor(w2a, w2b, t2, fail)
            guard first.rows == second.rows, first.columns == second.columns else {
                throw fail("LoHa factors give \(first.rows)×\(first.columns) and \(second.rows)×\(second.columns)")
            }
            var scalars = [Float](repeating: 0, count: first.scalars.count)
            for i in scalars.indices { scalars[i] = first.scalars[i] * second.scalars[i] * scale }
            return LoRADelta(rows: first.rows, columns: first.columns, layerShape: first.shape, scalars: scalars)
        case .lokr:
            var dim: Int?
            let w1: (rows: Int, columns: Int, scalars: [Float])
            if let full = try read(.lokrW1) {
                guard full.rank == 2 else { throw fail("lokr_w1 \(full.shape) is not a matrix") }
                w1 = (full.shape[0], full.shape[1], full.scalars)
            } else {
                guard let a = try read(.lokrW1A), let b = try read(.lokrW1B), a.rank == 2, b.rank == 2, a.shape[1] == b.shape[0] else {
                    throw fail("lokr_w1_a and lokr_w1_b are not matrices of one rank")
                }
                dim = b.shape[0]
                w1 = (a.shape[0], b.shape[1], multiply(a.scalars, b.scalars, m: a.shape[0], n: b.shape[1], k: b.shape[0], scale: 1))
            }
            let w2: (rows: Int, columns: Int, kernel: [Int], scalars: [Float])
            if let full = try read(.lokrW2) {
                guard full.rank == 2 || full.rank == 4 else { throw fail("lokr_w2 \(full.shape) is not a matrix or conv kernel") }
                w2 = (full.shape[0], full.count / max(full.shape[0], 1), Array(full.shape.dropFirst(2)), full.scalars)
            } else {
                guard let a = try read(.lokrW2A), let b = try read(.lokrW2B), a.rank == 2, b.rank == 2 else {
                    throw fail("lokr_w2_a and lokr_w2_b are not matrices")
                }
                dim = b.shape[0]
                if let t2 = try read(.lokrT2) {
                    let factor = try hadamardFactor(a, b, t2, fail)
                    w2 = (factor.rows, factor.columns, Array(factor.shape.dropFirst(2)), factor.scalars)
                } else {
                    guard a.shape[1] == b.shape[0] else { throw fail("rank mismatch: lokr_w2_a \(a.shape), lokr_w2_b \(b.shape)") }
                    w2 = (a.shape[0], b.shape[1], [], multiply(a.scalars, b.scalars, m: a.shape[0], n: b.shape[1], k: b.shape[0], scale: 1))
                }
            }
            let scale = dim.map { scaleFor(module.alpha, dim: $0) } ?? 1
            let rows = w1.rows * w2.rows, columns = w1.columns * w2.columns
            var scalars = [Float](repeating: 0, count: rows * columns)
            for i in 0..<w1.rows { for j in 0..<w1.columns {
                let value = w1.scalars[i * w1.columns + j] * scale
                for k in 0..<w2.rows {
                    let row = (i * w2.rows + k) * columns + j * w2.columns
                    for l in 0..<w2.columns { scalars[row + l] = value * w2.scalars[k * w2.columns + l] }
                }
            } }
            let kernelCount = w2.kernel.reduce(1, *)
            let shape = w2.kernel.isEmpty ? [rows, columns] : [rows, columns / max(kernelCount, 1)] + w2.kernel
            return LoRADelta(rows: rows, columns: columns, layerShape: shape, scalars: scalars)
        }
    }

    /// For a plain low-rank module whose delta has exactly `weight`'s size: `weight += strength·(α/r)·up·down` in one
    /// GEMM with β = 1 (no temporary delta). Returns false, touching nothing, for every other case (Tucker core,
    /// inpainting padding, LoHa, LoKr), which `compute` handles and checks.
    static func accumulateLowRank(_ module: LoRAModule, archive: any TensorArchive, strength: Float, into weight: inout Tensor) throws -> Bool {
        guard module.kind == .lowRank, module.tensorNames[.mid] == nil, let downName = module.tensorNames[.down], let upName = module.tensorNames[.up],
              let downShape = archive.shapes[downName], let upShape = archive.shapes[upName],
              downShape.count == 2 || downShape.count == 4, upShape.count == 2 || (upShape.count == 4 && upShape[2] == 1 && upShape[3] == 1),
              let rank = downShape.first, rank > 0, upShape[1] == rank, let out = upShape.first, out == weight.shape.first,
              out * (downShape.dropFirst().reduce(1, *)) == weight.count else { return false }
        let down = try archive.tensor(downName), up = try archive.tensor(upName)
        guard down.shape == downShape, up.shape == upShape else { return false }
        let columns = weight.count / out
        let scale = strength * scaleFor(module.alpha, dim: rank)
        up.withUnsafeBufferPointer { pu in down.withUnsafeBufferPointer { pd in weight.withUnsafeMutableBufferPointer { pw in
            GEMM.multiply(m: out, n: columns, k: rank, alpha: scale, a: pu.baseAddress!, lda: rank, b: pd.baseAddress!, ldb: columns,
                          beta: 1, c: pw.baseAddress!, ldc: columns)
        } } }
        return true
    }

    /// `alpha/dim`, with a missing or zero alpha meaning alpha = dim (scale 1), as kohya and A1111.
    static func scaleFor(_ alpha: Float?, dim: Int) -> Float {
        guard let alpha, alpha != 0, dim > 0 else { return 1 }
        return alpha / Float(dim)
    }

    /// A LoHa factor `a·b`, or with a Tucker core `t` (`[r, r, kh, kw]`; then `a` is `[r, out]`, `b` is `[r, in]`).
    static func hadamardFactor(_ a: Tensor, _ b: Tensor, _ t: Tensor?, _ fail: (String) -> ModelLoadingError) throws -> (rows: Int, columns: Int, shape: [Int], scalars: [Float]) {
        if let t {
            let rank = b.shape[0]
            guard t.rank == 4, t.shape[0] == a.shape[0], t.shape[1] == rank, a.rank == 2, b.rank == 2 else {
                throw fail("Tucker core \(t.shape) does not fit factors \(a.shape) and \(b.shape)")
            }
            let out = a.shape[1], inputs = b.shape[1]
            // rebuild[p, q, h, w] = Σ_ij t[i, j, h, w]·a[i, p]·b[j, q]
            let scalars = tucker(core: t, outer: a.scalars, outerRows: out, inner: b.scalars, innerColumns: inputs, rank: rank, outerRank: a.shape[0])
            return (out, inputs * t.shape[2] * t.shape[3], [out, inputs, t.shape[2], t.shape[3]], scalars)
        }
        guard a.shape[1] == b.shape[0] else { throw fail("rank mismatch: \(a.shape) and \(b.shape)") }
        return (a.shape[0], b.shape[1], [a.shape[0], b.shape[1]], multiply(a.scalars, b.scalars, m: a.shape[0], n: b.shape[1], k: b.shape[0], scale: 1))
    }

    /// `Σ_ij core[i, j, h, w]·outer[i, p]·inner[j, q]` as `[p, q, h, w]`: `outer` is `[outerRank, outerRows]` row-major,
    /// `inner` is `[rank, innerColumns]`.
    static func tucker(core: Tensor, outer: [Float], outerRows: Int, inner: [Float], innerColumns: Int, rank: Int, outerRank: Int? = nil) -> [Float] {
        let outerRank = outerRank ?? rank
        let taps = core.shape[2] * core.shape[3]
        var result = [Float](repeating: 0, count: outerRows * innerColumns * taps)
        var slice = [Float](repeating: 0, count: outerRank * rank)
        for tap in 0..<taps {
            for i in 0..<outerRank { for j in 0..<rank { slice[i * rank + j] = core.scalars[(i * rank + j) * taps + tap] } }
            // (outerᵀ · slice) · inner
            let left = outer.withUnsafeBufferPointer { o in slice.withUnsafeBufferPointer { s in
                [Float](unsafeUninitializedCapacity: outerRows * rank) { buffer, count in
                    GEMM.multiply(.transposed, .plain, m: outerRows, n: rank, k: outerRank, a: o.baseAddress!, lda: outerRows,
                                  b: s.baseAddress!, ldb: rank, c: buffer.baseAddress!, ldc: rank)
                    count = outerRows * rank
                } } }
            let product = multiply(left, inner, m: outerRows, n: innerColumns, k: rank, scale: 1)
            for p in 0..<outerRows { for q in 0..<innerColumns { result[(p * innerColumns + q) * taps + tap] = product[p * innerColumns + q] } }
        }
        return result
    }

    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<columns { result[c * rows + r] = values[r * columns + c] } }
        return result
    }

    /// `scale·a·b` for row-major `a` `[m, k]` and `b` `[k, n]`.
    static func multiply(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, scale: Float) -> [Float] {
        precondition(a.count == m * k && b.count == k * n, "LoRA factor sizes were checked")
        return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            [Float](unsafeUninitializedCapacity: m * n) { buffer, count in
                if k == 0 { buffer.initialize(repeating: 0) } else {
                    GEMM.multiply(m: m, n: n, k: k, alpha: scale, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n, c: buffer.baseAddress!, ldc: n)
                }
                count = m * n
            } } }
    }
}
