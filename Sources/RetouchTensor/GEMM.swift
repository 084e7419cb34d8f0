import CBLAS
import CKernels
import RetouchChecks
import Synchronization

/// Single-precision matrix multiplication, the one GEMM every kernel uses.
///
/// Products run on Retouch's own micro-kernels (`CKernels/gemm_f32.c`: AVX-512F, AVX2 + FMA, or portable C,
/// chosen from CPUID and XGETBV); OpenBLAS stays as the `.openblas` reference path. Every kernel runs
/// single-threaded per call (OpenBLAS is pinned to one thread); when a product is large, `GEMM` splits it
/// into one slab per worker (columns of C, or rows when C is narrow) and runs the slabs on `Parallel`'s
/// workers. Keeping all threading in one place means no kernel ever oversubscribes the cores.
public enum GEMM {
    /// Whether an operand is used as stored or transposed.
    public enum Operand: Sendable { case plain, transposed }

    /// The fp32 kernel a product runs on.
    ///
    /// `.automatic` is the fastest of Retouch's own kernels that this CPU and operating system support
    /// (`bestF32Kernel`). Asking for a kernel the CPU lacks stops the program with a message naming it
    /// (`require`), rather than silently running another: a test that forces a path must run that path.
    public enum F32Kernel: String, Sendable, CaseIterable {
        /// The best supported one of `avx512`, `avx2`, `portable`.
        case automatic
        /// 12 × 32 AVX-512F micro-kernel (needs AVX-512F and the OS's zmm state).
        case avx512
        /// 6 × 16 AVX2 + FMA micro-kernel (needs AVX2, FMA and the OS's ymm state).
        case avx2
        /// Plain C, any CPU.
        case portable
        /// OpenBLAS's `cblas_sgemm` on one thread, with whatever core OpenBLAS picked (the reference line).
        case openblas

        /// Whether this machine can run the kernel.
        public var isSupported: Bool {
            switch self {
            case .automatic, .portable, .openblas: true
            case .avx512: rt_gemm_f32_supported(RT_GEMM_F32_AVX512) != 0
            case .avx2: rt_gemm_f32_supported(RT_GEMM_F32_AVX2) != 0
            }
        }

        /// The concrete kernel `.automatic` stands for (`GEMM.automaticF32Kernel`); others stand for themselves.
        public var resolved: F32Kernel { self == .automatic ? GEMM.automaticF32Kernel : self }
    }

    /// Index in `F32Kernel.allCases` of what `.automatic` runs; -1 for `bestF32Kernel`.
    private static let automaticChoice = Atomic<Int>(-1)

    /// What `.automatic` runs: `bestF32Kernel` unless `runAutomatic(on:)` chose another.
    public static var automaticF32Kernel: F32Kernel {
        let index = automaticChoice.load(ordering: .relaxed)
        return index < 0 ? bestF32Kernel : F32Kernel.allCases[index]
    }

    /// Makes `.automatic` run `kernel` for the whole process (`.automatic` restores `bestF32Kernel`): for running
    /// whole models on one path, e.g. `retouch bench models --gemm openblas`. Stops the program when the CPU
    /// cannot run `kernel`.
    public static func runAutomatic(on kernel: F32Kernel) {
        require(kernel.isSupported, "GEMM kernel \(kernel.rawValue) is not supported on this CPU (\(CPUReport.current.modelName))")
        let index = kernel == .automatic ? -1 : F32Kernel.allCases.firstIndex(of: kernel) ?? -1
        automaticChoice.store(index, ordering: .relaxed)
    }

    /// The fastest of Retouch's own fp32 kernels on this machine (what `.automatic` runs).
    public static let bestF32Kernel: F32Kernel = {
        let best = rt_gemm_f32_best()
        return best == RT_GEMM_F32_AVX512 ? .avx512 : best == RT_GEMM_F32_AVX2 ? .avx2 : .portable
    }()

    private static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Floating-point operations (2·m·n·k per product) performed by every GEMM since start; benchmarks read it
    /// to report effective GFLOP/s, since convolutions, linear layers and attention all multiply here.
    public static let operationCount = Atomic<Int>(0)

    /// Products with fewer multiply-adds than this run on the calling thread.
    public static let parallelThreshold = 1 << 21

    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major with the given leading dimensions.
    ///
    /// With `beta == 0`, C is only written (it may hold NaN). Semantics are those of row-major `cblas_sgemm`.
    ///
    /// - Parameters:
    ///   - parallel: allow splitting across workers (callers already inside a parallel loop pass false).
    ///   - kernel: the fp32 kernel to run; the CPU must support it (`F32Kernel.isSupported`).
    public static func multiply(
        _ opA: Operand = .plain, _ opB: Operand = .plain,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true,
        kernel: F32Kernel = .automatic
    ) {
        guard m > 0, n > 0 else { return }
        let kernel = kernel.resolved
        require(kernel.isSupported, "GEMM kernel \(kernel.rawValue) is not supported on this CPU (\(CPUReport.current.modelName))")
        operationCount.add(2 * m * n * k, ordering: .relaxed)
        let workers = parallel && m * n * k >= parallelThreshold ? Parallel.workerCount : 1
        if workers <= 1 {
            call(kernel, opA, opB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if n >= m || n >= 64 * workers {
            // Split the columns of C (and of op(B)).
            Parallel.forRanges(n, costPerItem: .max / (n + 1)) { cols in
                let bOffset = opB == .plain ? cols.lowerBound : cols.lowerBound * ldb
                call(kernel, opA, opB, m: m, n: cols.count, k: k, alpha: alpha, a: a, lda: lda,
                     b: b + bOffset, ldb: ldb, beta: beta, c: c + cols.lowerBound, ldc: ldc)
            }
        } else {
            // Split the rows of C (and of op(A)).
            Parallel.forRanges(m, costPerItem: .max / (m + 1)) { rows in
                let aOffset = opA == .plain ? rows.lowerBound * lda : rows.lowerBound
                call(kernel, opA, opB, m: rows.count, n: n, k: k, alpha: alpha, a: a + aOffset, lda: lda,
                     b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        }
    }

    /// One single-threaded product on a resolved, supported kernel.
    private static func call(
        _ kernel: F32Kernel, _ opA: Operand, _ opB: Operand, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let own: rt_gemm_f32_kernel
        switch kernel {
        case .avx512: own = RT_GEMM_F32_AVX512
        case .avx2: own = RT_GEMM_F32_AVX2
        case .portable, .automatic: own = RT_GEMM_F32_PORTABLE
        case .openblas:
            callOpenBLAS(opA, opB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        rt_gemm_f32(own, opA == .plain ? 0 : 1, opB == .plain ? 0 : 1, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// One single-threaded OpenBLAS call.
    private static func callOpenBLAS(
        _ opA: Operand, _ opB: Operand, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = configured
        cblas_sgemm(CblasRowMajor,
                    opA == .plain ? CblasNoTrans : CblasTrans,
                    opB == .plain ? CblasNoTrans : CblasTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The core OpenBLAS picked for this CPU (`openblas_get_corename`, e.g. `Prescott` or `SkylakeX`).
    public static var openBLASCoreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Runs `body` with OpenBLAS allowed `threads` threads (for measuring OpenBLAS's own figure), then pins it back to one.
    public static func withOpenBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        _ = configured
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return try body()
    }
}
