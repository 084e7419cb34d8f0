import Testing
import RetouchChecks
import RetouchTensor

/// Every fp32 GEMM kernel this machine can run equals a double-precision product and the portable kernel, on odd
/// shapes (including 1 and sizes that are not multiples of any micro-tile), both transposes, alpha and beta,
/// and beta = 0 over a C full of NaN; the padding past n in each row of C stays untouched.
struct GEMMKernelTests {
    /// The kernels to check: every concrete one the CPU supports (OpenBLAS as the reference implementation).
    static let kernels = GEMM.F32Kernel.allCases.filter { $0 != .automatic && $0.isSupported }

    /// (m, n, k) chosen around the tiles (AVX-512 12 x 32, AVX2 6 x 16, portable 4 x 16) and the blocks
    /// (k slices of 256 and 384, 384-row A blocks, 512-column B blocks).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 33, 7), (13, 1, 5), (12, 32, 1), (13, 17, 3), (7, 9, 0), (37, 71, 129), (25, 530, 300),
        (389, 40, 390), (3, 1000, 17), (11, 16, 770),
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        let opA, opB: GEMM.Operand
        let alpha, beta: Float
        var testDescription: String { "\(m)x\(n)x\(k) \(opA)/\(opB) alpha \(alpha) beta \(beta)" }
    }

    static let cases: [Case] = shapes.enumerated().flatMap { index, shape in
        [(GEMM.Operand.plain, GEMM.Operand.plain), (.transposed, .plain), (.plain, .transposed), (.transposed, .transposed)]
            .enumerated().map { t, ops in
                Case(m: shape.m, n: shape.n, k: shape.k, opA: ops.0, opB: ops.1,
                     alpha: [1, 0.5, -2][(index + t) % 3], beta: [0, 1, 0.25][index % 3])
            }
    }

    /// Operands with padded leading dimensions, and C's starting contents (NaN everywhere when beta is 0).
    struct Problem {
        let c: Case
        let lda, ldb, ldc: Int
        let a, b, c0: [Float]

        init(_ c: Case, seed: UInt32) {
            self.c = c
            lda = (c.opA == .plain ? c.k : c.m) + 3
            ldb = (c.opB == .plain ? c.n : c.k) + 5
            ldc = c.n + 2
            var state = seed
            func next() -> Float {
                state = state &* 1_664_525 &+ 1_013_904_223
                return Float(state >> 8) / 16_777_216 * 2 - 1
            }
            a = (0..<((c.opA == .plain ? c.m : c.k) * lda)).map { _ in next() }
            b = (0..<((c.opB == .plain ? c.k : c.n) * ldb)).map { _ in next() }
            c0 = (0..<(c.m * ldc)).map { _ in c.beta == 0 ? .nan : next() }
        }

        func run(_ kernel: GEMM.F32Kernel, parallel: Bool = false) -> [Float] {
            var out = c0
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { out in
                        GEMM.multiply(c.opA, c.opB, m: c.m, n: c.n, k: c.k, alpha: c.alpha, a: a.baseAddress!, lda: lda,
                                      b: b.baseAddress!, ldb: ldb, beta: c.beta, c: out.baseAddress!, ldc: ldc,
                                      parallel: parallel, kernel: kernel)
                    }
                }
            }
            return out
        }

        /// alpha · op(A) op(B) + beta · C in double precision, row-major with stride ldc (padding copied from C).
        func reference() -> [Double] {
            var out = c0.map(Double.init)
            for i in 0..<c.m {
                for j in 0..<c.n {
                    var sum = 0.0
                    for p in 0..<c.k {
                        let x = c.opA == .plain ? a[i * lda + p] : a[p * lda + i]
                        let y = c.opB == .plain ? b[p * ldb + j] : b[j * ldb + p]
                        sum += Double(x) * Double(y)
                    }
                    out[i * ldc + j] = Double(c.alpha) * sum + (c.beta == 0 ? 0 : Double(c.beta) * Double(c0[i * ldc + j]))
                }
            }
            return out
        }

        /// The largest error of `got` against `want` over C's m × n part; infinity for any NaN or changed padding.
        func worstError(_ got: [Float], _ want: [Double]) -> Double {
            var worst = 0.0
            for i in 0..<c.m {
                for j in 0..<ldc {
                    let index = i * ldc + j
                    if j >= c.n {
                        if got[index].bitPattern != c0[index].bitPattern { return .infinity }
                        continue
                    }
                    if got[index].isNaN { return .infinity }
                    worst = max(worst, abs(Double(got[index]) - want[index]))
                }
            }
            return worst
        }

        /// fp32 accumulation error bound for this k: inputs are in [-1, 1], |alpha| <= 2.
        var tolerance: Double { 1e-6 * Double(c.k + 8) }
    }

    @Test("each kernel equals a double-precision product", arguments: kernels)
    func matchesReference(kernel: GEMM.F32Kernel) {
        for (index, c) in Self.cases.enumerated() {
            let problem = Problem(c, seed: UInt32(index))
            let error = problem.worstError(problem.run(kernel), problem.reference())
            #expect(error <= problem.tolerance, "\(kernel) \(c.testDescription): error \(error)")
        }
    }

    @Test("each kernel equals the portable kernel", arguments: kernels.filter { $0 != .portable })
    func matchesPortable(kernel: GEMM.F32Kernel) {
        for (index, c) in Self.cases.enumerated() {
            let problem = Problem(c, seed: UInt32(100 + index))
            let portable = problem.run(.portable).map(Double.init)
            let error = problem.worstError(problem.run(kernel), portable)
            #expect(error <= problem.tolerance, "\(kernel) \(c.testDescription): error \(error) against portable")
        }
    }

    @Test("products split across workers equal the reference", arguments: kernels)
    func parallelSplit(kernel: GEMM.F32Kernel) {
        // Above GEMM.parallelThreshold both ways: C split by columns (wide) and by rows (narrow).
        for c in [Case(m: 131, n: 157, k: 121, opA: .plain, opB: .transposed, alpha: 1, beta: 0.5),
                  Case(m: 700, n: 37, k: 97, opA: .transposed, opB: .plain, alpha: -1, beta: 0)] {
            #expect(c.m * c.n * c.k >= GEMM.parallelThreshold)
            let problem = Problem(c, seed: 7)
            let error = problem.worstError(problem.run(kernel, parallel: true), problem.reference())
            #expect(error <= problem.tolerance, "\(kernel) \(c.testDescription): error \(error)")
        }
    }

    @Test("the error check catches a wrong product")
    func checkCanFail() {
        let problem = Problem(Case(m: 5, n: 6, k: 7, opA: .plain, opB: .plain, alpha: 1, beta: 0), seed: 3)
        var wrong = problem.run(.portable)
        wrong[2 * problem.ldc + 3] += 1e-3
        #expect(problem.worstError(wrong, problem.reference()) > problem.tolerance)
        wrong[problem.ldc - 1] = 0   // padding written
        #expect(problem.worstError(wrong, problem.reference()) == .infinity)
    }

    @Test(".automatic runs the best kernel the CPU's reported features allow")
    func automaticChoice() {
        let usable = Set(CPUReport.current.features.filter(\.usable).map(\.name))
        let expected: GEMM.F32Kernel = usable.contains("avx512f") ? .avx512
            : usable.isSuperset(of: ["avx2", "fma"]) ? .avx2 : .portable
        #expect(GEMM.bestF32Kernel == expected)
        #expect(GEMM.F32Kernel.automatic.resolved == expected)
        #expect(CPUReport.current.lines.contains("gemm-f32: \(expected.rawValue)"))
        #expect(!CPUReport.current.modelName.isEmpty)
    }

    @Test("asking for a kernel the CPU lacks stops the process",
          .enabled(if: !GEMM.F32Kernel.avx512.isSupported, "this CPU runs every kernel"))
    func unsupportedKernel() async {
        await #expect(processExitsWith: .failure) {
            let a: [Float] = [1]
            var c: [Float] = [0]
            GEMM.multiply(m: 1, n: 1, k: 1, a: a, lda: 1, b: a, ldb: 1, c: &c, ldc: 1, kernel: .avx512)
        }
    }
}
