import CBF16Kernels
import RetouchChecks

extension GEMM {
    /// Which kernel a bf16 product runs on. A weight is packed for one kernel when it is built
    /// (`BF16Matrix(_:path:)`): the AMX kernel reads its own tile layout, the other two share 12-row panels.
    ///
    /// A path the CPU lacks never crashes: it falls back to the next one down (`.amx` → `.avx512bf16` →
    /// `.portable`, `.avx512Widened` → `.portable`), so `BF16Matrix.path` says what actually runs.
    public enum BF16Path: Sendable, CaseIterable, CustomStringConvertible {
        /// The fastest kernel this CPU runs: AMX; else AVX-512 BF16 where `vdpbf16ps` is fast (not on Intel);
        /// else the widened kernel on AVX-512F; else portable.
        case automatic
        /// The portable C kernel (same rounding, fp32 arithmetic), whatever the CPU.
        case portable
        /// AVX-512 BF16 (`vdpbf16ps`, 12×32 register tiles): the fast path on AMD Zen 4.
        case avx512bf16
        /// AMX tiles (`tdpbf16ps`, 32×32 tiles of 16×16): Intel Sapphire Rapids and later, under Linux 5.16+.
        case amx
        /// bf16 weights widened to fp32 as they are packed, on the AVX-512F fp32 kernel (B rounded to bf16 too,
        /// so the products are the other paths' up to accumulation order): the fast path on Intel CPUs without
        /// AMX, where `vdpbf16ps` runs at half the FMA rate, and on AVX-512F CPUs without AVX-512 BF16.
        case avx512Widened

        /// Whether this CPU (and OS, for AMX) runs the path itself rather than a fallback.
        public var isAvailable: Bool { self == .automatic || rt_bf16_kernel_available(cKernel) != 0 }

        /// The path that runs when this one is asked for: `.automatic` resolved, unavailable ones fallen back.
        public var resolved: BF16Path {
            switch self {
            case .automatic: return BF16Path(rt_bf16_best_kernel())
            case .amx where !isAvailable: return BF16Path.avx512bf16.resolved
            case .avx512bf16 where !isAvailable, .avx512Widened where !isAvailable: return .portable
            default: return self
            }
        }

        /// "amx-bf16", "avx512-bf16", "avx512-widened", "portable" (and "automatic").
        public var description: String {
            self == .automatic ? "automatic" : String(cString: rt_bf16_kernel_label(cKernel))
        }

        /// The kernel `automatic` resolves to on this CPU, named as `rt_bf16_kernel_name` names it.
        public static var automaticKernelName: String { String(cString: rt_bf16_kernel_name()) }

        /// The C kernel of a resolved path (`.automatic` maps to the best one).
        var cKernel: rt_bf16_kernel {
            switch self {
            case .automatic: return rt_bf16_best_kernel()
            case .portable: return RT_BF16_PORTABLE
            case .avx512bf16: return RT_BF16_AVX512
            case .amx: return RT_BF16_AMX
            case .avx512Widened: return RT_BF16_WIDENED
            }
        }

        init(_ kernel: rt_bf16_kernel) {
            switch kernel {
            case RT_BF16_AMX: self = .amx
            case RT_BF16_AVX512: self = .avx512bf16
            case RT_BF16_WIDENED: self = .avx512Widened
            default: self = .portable
            }
        }

        /// Whether `vdpbf16ps` outruns fp32 FMAs on this CPU (AVX-512 BF16, not Intel), so `automatic` prefers
        /// `.avx512bf16` to `.avx512Widened` when AMX is not there.
        public static var bf16DotIsFast: Bool { rt_bf16_dot_is_fast() != 0 }

        /// Whether the path multiplies in bf16 hardware (AMX tiles or `vdpbf16ps`), rather than in fp32
        /// (`.avx512Widened`, `.portable`).
        public var hasNativeBF16Arithmetic: Bool { self == .amx || self == .avx512bf16 }

        /// Whether weights packed for `self` can run on `other` (both resolved).
        func sharesLayout(with other: BF16Path) -> Bool { rt_bf16_layout(cKernel) == rt_bf16_layout(other.cKernel) }
    }

    /// C[m×n] = A · op(B) + beta · C with A the bf16 `weights` (m = `weights.rows`, k = `weights.columns`), B fp32
    /// converted to bf16 block by block, and fp32 accumulation.
    ///
    /// op(B) is k×n: `.plain` reads `b[p * ldb + j]`, `.transposed` reads `b[j * ldb + p]` (B stored n×k).
    /// C[i][j] is `c[i * rowStride + j * columnStride]`; pass `rowStride: 1, columnStride: m` to write the
    /// transpose, as `linear` does. With `beta == 0`, C is not read. Large products split into one slab per
    /// worker (columns of C, or rows when C is narrow), as `multiply` does; the FLOPs count in `operationCount`.
    ///
    /// - Parameters:
    ///   - parallel: allow splitting across workers (callers already inside a parallel loop pass false).
    ///   - path: `.automatic` runs the kernel `weights` was packed for; another path must read the same packed
    ///     layout (`.portable`, `.avx512bf16` and `.avx512Widened` share one, `.amx` has its own), checked by
    ///     `require`.
    public static func multiplyBF16(
        _ weights: BF16Matrix, _ opB: Operand = .plain, n: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, rowStride: Int, columnStride: Int = 1,
        parallel: Bool = true, path: BF16Path = .automatic
    ) {
        let m = weights.rows, k = weights.columns
        guard m > 0, n > 0 else { return }
        let path = path == .automatic ? weights.path : path.resolved
        require(path.sharesLayout(with: weights.path),
                "a bf16 weight packed for \(weights.path) cannot run on the \(path) kernel; pack it with BF16Matrix(_:path: .\(path))")
        operationCount.add(2 * m * n * k, ordering: .relaxed)
        let kernel = path.cKernel
        let transposed: Int32 = opB == .transposed ? 1 : 0
        let workers = parallel && m * n * k >= parallelThreshold ? Parallel.workerCount : 1
        weights.packed.withUnsafeBufferPointer { packed in
            let packed = packed.baseAddress!
            if workers <= 1 {
                rt_bf16_kernel_gemm(kernel, m, n, k, packed, b, ldb, transposed, c, rowStride, columnStride, beta)
                return
            }
            let panelRows = rt_bf16_kernel_panel_rows(kernel)
            if n >= m || n >= 64 * workers {
                // Split the columns of C (and of op(B)) in whole 32-column tiles.
                let tile = 32, tiles = (n + tile - 1) / tile
                Parallel.forRanges(tiles, costPerItem: .max / (tiles + 1)) { range in
                    let first = range.lowerBound * tile, count = Swift.min(n, range.upperBound * tile) - first
                    rt_bf16_kernel_gemm(kernel, m, count, k, packed, b + (opB == .plain ? first : first * ldb), ldb,
                                        transposed, c + first * columnStride, rowStride, columnStride, beta)
                }
            } else {
                // Split the rows of C (and of A) in whole panels.
                let panels = (m + panelRows - 1) / panelRows, panelStride = Int(rt_bf16_kernel_panel_stride(kernel, k))
                Parallel.forRanges(panels, costPerItem: .max / (panels + 1)) { range in
                    let first = range.lowerBound * panelRows, count = Swift.min(m, range.upperBound * panelRows) - first
                    rt_bf16_kernel_gemm(kernel, count, n, k, packed + range.lowerBound * panelStride, b, ldb, transposed,
                                        c + first * rowStride, rowStride, columnStride, beta)
                }
            }
        }
    }
}
