import Testing
import RetouchTensor
import RetouchTestSupport

/// bf16 weights: products equal fp32 arithmetic on bf16-rounded operands, whatever the shape, layout or CPU path.
struct BF16Tests {
    /// Every kernel this CPU runs itself (portable always; AVX-512 BF16 and AMX where the hardware has them).
    static let paths = [GEMM.BF16Path.portable, .avx512bf16, .amx, .avx512Widened].filter(\.isAvailable)

    /// Rounds to bfloat16, nearest with ties to even (the test inputs are normal numbers).
    static func bf16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7fff &+ ((bits >> 16) & 1)) & 0xffff_0000)
    }

    static func roundedToBF16(_ tensor: Tensor) -> Tensor {
        Tensor(shape: tensor.shape, scalars: tensor.scalars.map(bf16))
    }

    static func absolute(_ tensor: Tensor) -> Tensor { Tensor(shape: tensor.shape, scalars: tensor.scalars.map(abs)) }

    /// The largest error of `actual` against fp32 `exact`, as a fraction of bf16's rounding bound: each product
    /// a·b moves by at most about 2⁻⁸·|a·b| when both operands are rounded, so element i may be off by
    /// 2⁻⁸ · `magnitude[i]`, where `magnitude` is the same computation on |a| and |b|.
    static func errorOverBF16Bound(_ actual: Tensor, _ exact: Tensor, magnitude: Tensor) -> Float {
        var worst: Float = 0
        for i in actual.scalars.indices {
            let bound = Float(1.0 / 256) * magnitude.scalars[i] + 1e-6
            worst = max(worst, abs(actual.scalars[i] - exact.scalars[i]) / bound)
        }
        return worst
    }

    struct Case: CustomStringConvertible, Sendable {
        let m: Int, n: Int, k: Int
        var transposedB = false, swappedC = false, beta: Float = 0
        var description: String { "\(m)x\(n)x\(k)\(transposedB ? " Bᵀ" : "")\(swappedC ? " Cᵀ" : "") beta \(beta)" }
    }

    // AVX-512 BF16 tiles are 12 x 32, k runs in blocks of 256, columns in blocks of 512 and rows in blocks of 768;
    // AMX tiles are 32 x 32 (16 x 16 each), k runs in steps of 32 and blocks of 512, rows in blocks of 256: the
    // sizes straddle each boundary, and the larger ones split across workers by columns (25x600, 300x700) or rows
    // (800x40).
    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 1),
        Case(m: 12, n: 32, k: 2),
        Case(m: 13, n: 33, k: 3, beta: 1),
        Case(m: 37, n: 71, k: 129, transposedB: true),
        Case(m: 37, n: 71, k: 129, swappedC: true, beta: 0.5),
        Case(m: 5, n: 7, k: 513, transposedB: true, swappedC: true, beta: 1),
        Case(m: 25, n: 600, k: 300, beta: 0.5),
        Case(m: 25, n: 600, k: 300, transposedB: true, swappedC: true),
        Case(m: 800, n: 40, k: 260, beta: 1),
        Case(m: 800, n: 40, k: 261, transposedB: true, swappedC: true, beta: 1),
        Case(m: 17, n: 16, k: 33, beta: 0.5),
        Case(m: 32, n: 32, k: 32),
        Case(m: 33, n: 47, k: 1025, transposedB: true),
        Case(m: 40, n: 77, k: 40, transposedB: true, swappedC: true),
        Case(m: 300, n: 700, k: 517, beta: 1),
    ]

    /// Runs `multiplyBF16` on deterministic data; returns C's whole storage (padding included) and the expected
    /// storage: fp32 products of bf16-rounded operands accumulated in double, padding untouched.
    static func product(_ c: Case, path: GEMM.BF16Path = .automatic) -> (actual: [Float], expected: [Float]) {
        let a = Tensor.wave([c.m, c.k], seed: 0.1)
        let ldb = c.transposedB ? c.k + 3 : c.n + 5
        let b = Tensor.wave([c.transposedB ? c.n : c.k, ldb], seed: 0.2, amplitude: 2)
        let (rowStride, columnStride) = c.swappedC ? (1, c.m + 1) : (c.n + 2, 1)
        let storage = c.swappedC ? c.n * (c.m + 1) : c.m * (c.n + 2)
        var actual = Tensor.wave([storage], seed: 0.3).scalars
        var expected = actual
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = 0.0
                for p in 0..<c.k {
                    let bValue = c.transposedB ? b.scalars[j * ldb + p] : b.scalars[p * ldb + j]
                    sum += Double(bf16(a.scalars[i * c.k + p])) * Double(bf16(bValue))
                }
                let index = i * rowStride + j * columnStride
                expected[index] = Float(sum + (c.beta == 0 ? 0 : Double(c.beta) * Double(expected[index])))
            }
        }
        let weights = BF16Matrix(a, path: path)
        b.withUnsafeBufferPointer { b in
            actual.withUnsafeMutableBufferPointer { out in
                GEMM.multiplyBF16(weights, c.transposedB ? .transposed : .plain, n: c.n, b: b.baseAddress!, ldb: ldb,
                                  beta: c.beta, c: out.baseAddress!, rowStride: rowStride, columnStride: columnStride,
                                  path: path)
            }
        }
        return (actual, expected)
    }

    @Test("bf16 GEMM equals fp32 arithmetic on bf16-rounded operands and leaves C's padding alone, on every kernel",
          arguments: cases, [GEMM.BF16Path.automatic] + paths)
    func matchesRoundedReference(_ c: Case, path: GEMM.BF16Path) {
        let (actual, expected) = Self.product(c, path: path)
        let closeness = Closeness(actual, expected)
        #expect(closeness.isWithin(1e-5), "\(path): \(closeness)")
    }

    @Test("every kernel computes the portable path's products (up to the order of fp32 accumulation)",
          arguments: cases, paths)
    func kernelMatchesPortable(_ c: Case, path: GEMM.BF16Path) {
        let (portable, _) = Self.product(c, path: .portable)
        let (actual, _) = Self.product(c, path: path)
        let closeness = Closeness(actual, portable)
        #expect(closeness.isWithin(2e-6), "\(path) vs portable: \(closeness)")
    }

    @Test("automatic takes the fastest kernel the CPU has; a path it lacks falls back, and the weight says which")
    func pathResolution() {
        let best: GEMM.BF16Path =
            GEMM.BF16Path.amx.isAvailable ? .amx
            : GEMM.BF16Path.bf16DotIsFast ? .avx512bf16
            : GEMM.BF16Path.avx512Widened.isAvailable ? .avx512Widened
            : GEMM.BF16Path.avx512bf16.isAvailable ? .avx512bf16 : .portable
        #expect(GEMM.BF16Path.automatic.resolved == best)
        #expect(GEMM.BF16Path.automaticKernelName == best.description)
        #expect(BF16Matrix(.wave([3, 4], seed: 1)).path == best)
        for path in [GEMM.BF16Path.portable, .avx512bf16, .amx, .avx512Widened] {
            #expect(path.resolved.isAvailable)
            #expect(BF16Matrix(.wave([3, 4], seed: 1), path: path).path == path.resolved)
            if path.isAvailable { #expect(path.resolved == path) }
        }
        #expect(GEMM.BF16Path.avx512bf16.resolved != .amx && GEMM.BF16Path.portable.resolved == .portable)
    }

    @Test("a weight packed for AMX run on a kernel of the other layout stops the process")
    func layoutMismatch() async {
        guard GEMM.BF16Path.amx.isAvailable else { return }
        await #expect(processExitsWith: .failure) {
            var c: Float = 0
            let one: Float = 1
            withUnsafePointer(to: one) { b in
                GEMM.multiplyBF16(BF16Matrix(Tensor(shape: [1, 1], scalars: [2]), path: .amx), n: 1, b: b, ldb: 1,
                                  c: &c, rowStride: 1, path: .portable)
            }
        }
    }

    @Test("operands round to nearest bf16, ties to even", arguments: [GEMM.BF16Path.automatic] + paths)
    func roundingIsNearestEven(path: GEMM.BF16Path) {
        func product(_ a: Float, _ b: Float) -> Float {
            var c: Float = 0
            withUnsafePointer(to: b) { b in
                GEMM.multiplyBF16(BF16Matrix(Tensor(shape: [1, 1], scalars: [a]), path: path), n: 1, b: b, ldb: 1,
                                  c: &c, rowStride: 1)
            }
            return c
        }
        let ulp: Float = 1.0 / 128   // bf16 spacing just above 1
        #expect(product(1 + ulp / 2, 1) == 1)                   // tie: down to the even 1
        #expect(product(1 + 3 * ulp / 2, 1) == 1 + 2 * ulp)     // tie: up to the even 1 + 2 ulp
        #expect(product(1 + 0.6 * ulp, 1) == 1 + ulp)           // above the tie: up
        #expect(product(1, 1 + ulp / 2) == 1)                   // B rounds the same way
        #expect(product(3, -1 - 3 * ulp / 2) == -3 * (1 + 2 * ulp))
    }

    @Test("bf16 products count in GEMM.operationCount")
    func countsOperations() {
        let before = GEMM.operationCount.load(ordering: .relaxed)
        _ = Tensor.wave([4, 30], seed: 1).linear(weight: BF16Matrix(.wave([20, 30], seed: 2)))
        #expect(GEMM.operationCount.load(ordering: .relaxed) - before >= 2 * 4 * 20 * 30)
    }

    struct ConvCase: CustomStringConvertible, Sendable {
        let name: String, batch: Int, inChannels: Int, outChannels: Int, size: (Int, Int)
        let kernel: (height: Int, width: Int), geometry: Conv2dGeometry, bias: Bool
        var description: String { name }
    }

    static let convCases: [ConvCase] = [
        ConvCase(name: "3x3", batch: 2, inChannels: 5, outChannels: 7, size: (9, 11), kernel: (3, 3),
                 geometry: .init(stride: 1, padding: 1), bias: true),
        ConvCase(name: "3x3 stride 2", batch: 1, inChannels: 4, outChannels: 6, size: (10, 9), kernel: (3, 3),
                 geometry: .init(stride: 2, padding: 1), bias: false),
        ConvCase(name: "1x1 pointwise", batch: 2, inChannels: 40, outChannels: 30, size: (16, 16), kernel: (1, 1),
                 geometry: .init(), bias: true),
        ConvCase(name: "4x3 mixed", batch: 1, inChannels: 3, outChannels: 5, size: (11, 13), kernel: (4, 3),
                 geometry: .init(stride: (2, 1), padding: (1, 0)), bias: true),
        ConvCase(name: "3x3 banded", batch: 1, inChannels: 64, outChannels: 24, size: (64, 64), kernel: (3, 3),
                 geometry: .init(stride: 1, padding: 1), bias: true),
    ]

    @Test("conv2d with a BF16Matrix weight is conv2d on bf16-rounded operands, within bf16's bound of fp32",
          arguments: convCases, paths)
    func conv2d(_ c: ConvCase, path: GEMM.BF16Path) {
        let input = Tensor.wave([c.batch, c.inChannels, c.size.0, c.size.1], seed: 0.1)
        let weight = Tensor.wave([c.outChannels, c.inChannels, c.kernel.height, c.kernel.width], seed: 0.2, amplitude: 0.3)
        let bias = c.bias ? Tensor.wave([c.outChannels], seed: 0.3) : nil
        let output = input.conv2d(weight: BF16Matrix(weight, path: path), kernel: c.kernel, bias: bias, geometry: c.geometry)

        let rounded = Self.roundedToBF16(input).conv2d(weight: Self.roundedToBF16(weight), bias: bias, geometry: c.geometry)
        #expect(Closeness(output, rounded).isWithin(1e-5), "vs rounded fp32: \(Closeness(output, rounded))")
        let exact = input.conv2d(weight: weight, bias: bias, geometry: c.geometry)
        let magnitude = Self.absolute(input).conv2d(weight: Self.absolute(weight), geometry: c.geometry)
        let error = Self.errorOverBF16Bound(output, exact, magnitude: magnitude)
        #expect(error <= 1, "vs fp32: \(error) of the bf16 bound; \(Closeness(output, exact))")
    }

    /// Shapes: a small batched input; many rows (split by columns of the transposed product); few rows and many
    /// outputs (split by rows of the weight).
    @Test("linear with a BF16Matrix weight is linear on bf16-rounded operands, within bf16's bound of fp32",
          arguments: [([2, 7, 19], 13, true), ([300, 200], 100, false), ([5, 300], 2000, true), ([77, 768], 320, true)],
          paths)
    func linear(_ shape: (inputShape: [Int], outFeatures: Int, hasBias: Bool), path: GEMM.BF16Path) {
        let (inputShape, outFeatures, hasBias) = shape
        let input = Tensor.wave(inputShape, seed: 0.4)
        let weight = Tensor.wave([outFeatures, inputShape.last!], seed: 0.5, amplitude: 0.2)
        let bias = hasBias ? Tensor.wave([outFeatures], seed: 0.6) : nil
        let output = input.linear(weight: BF16Matrix(weight, path: path), bias: bias)
        #expect(output.shape == Array(inputShape.dropLast()) + [outFeatures])

        let rounded = Self.roundedToBF16(input).linear(weight: Self.roundedToBF16(weight), bias: bias)
        #expect(Closeness(output, rounded).isWithin(1e-5), "vs rounded fp32: \(Closeness(output, rounded))")
        let exact = input.linear(weight: weight, bias: bias)
        let magnitude = Self.absolute(input).linear(weight: Self.absolute(weight))
        let error = Self.errorOverBF16Bound(output, exact, magnitude: magnitude)
        #expect(error <= 1, "vs fp32: \(error) of the bf16 bound; \(Closeness(output, exact))")
    }

    @Test("a BF16Matrix reads a conv weight as [out × in·kh·kw] in about half the bytes")
    func matrixShape() {
        let matrix = BF16Matrix(.wave([64, 32, 3, 3], seed: 1))
        #expect(matrix.rows == 64 && matrix.columns == 288)
        #expect(matrix.byteCount >= 64 * 288 * 2 && matrix.byteCount < 64 * 288 * 4)
    }
}

/// The bf16 attention agrees with fp32 within bf16 tolerance.
struct BF16ModelPathTests {
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
        }
    }

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        var largest: Float = 0, scale: Float = 0
        for i in 0..<a.count { largest = max(largest, abs(a.scalars[i] - b.scalars[i])); scale = max(scale, abs(a.scalars[i])) }
        return largest / scale
    }

    @Test("bf16 attention agrees with fp32 attention within 2e-2 relative, causal or not, on every kernel",
          arguments: [false, true], BF16Tests.paths)
    func attention(causal: Bool, path: GEMM.BF16Path) {
        let q = Tensor(shape: [2, 77, 64], scalars: Self.values(2 * 77 * 64, seed: 1))
        let k = Tensor(shape: [2, 77, 64], scalars: Self.values(2 * 77 * 64, seed: 2))
        let v = Tensor(shape: [2, 77, 64], scalars: Self.values(2 * 77 * 64, seed: 3))
        let exact = Attention.scaledDotProduct(query: q, key: k, value: v, heads: 4, causal: causal, tileBudget: 77 * 16)
        let rounded = Attention.scaledDotProduct(query: q, key: k, value: v, heads: 4, causal: causal, tileBudget: 77 * 16, bf16: true,
                                                   bf16Path: path)
        let error = Self.relativeError(exact, rounded)
        #expect(error < 2e-2 && error > 0, "relative error \(error)")
    }
}
