import CBF16Kernels
import CKernels

/// What this machine's CPU offers and which kernel each product runs on, for benchmark output and bug reports.
public struct CPUReport: Sendable {
    /// One instruction-set extension and whether it is usable (CPUID reports it and the OS enabled its state).
    public struct Feature: Sendable {
        /// The name as Linux's `/proc/cpuinfo` flags spell it, e.g. `avx512_bf16`, `amx-tile`.
        public let name: String
        /// Whether kernels may use it.
        public let usable: Bool
    }

    /// The CPU's model name (CPUID brand string, else `/proc/cpuinfo`'s `model name`, else `unknown`).
    public let modelName: String
    /// The extensions Retouch's kernels care about, in a fixed order.
    public let features: [Feature]
    /// Product → kernel, e.g. (`gemm-f32`, `avx512`), in a fixed order.
    public let kernels: [(product: String, kernel: String)]
    /// The core OpenBLAS (linked as the reference line) picked, e.g. `Prescott`, `SkylakeX`.
    public let openBLASCore: String

    /// This machine now (features are detected once; the kernel lines follow `GEMM.runAutomatic(on:)`).
    public static var current: CPUReport { CPUReport() }

    private init() {
        let bits = rt_cpu_features()
        let known: [(String, Int)] = [
            ("sse4.2", RT_CPU_SSE4_2), ("avx2", RT_CPU_AVX2), ("fma", RT_CPU_FMA), ("avx512f", RT_CPU_AVX512F),
            ("avx512bw", RT_CPU_AVX512BW), ("avx512_bf16", RT_CPU_AVX512_BF16), ("avx512_fp16", RT_CPU_AVX512_FP16),
            ("amx-tile", RT_CPU_AMX_TILE), ("amx-bf16", RT_CPU_AMX_BF16), ("amx-int8", RT_CPU_AMX_INT8),
        ]
        features = known.map { Feature(name: $0.0, usable: bits & UInt32($0.1) != 0) }
        var name = [CChar](repeating: 0, count: 256)
        modelName = rt_cpu_model_name(&name, name.count) != 0 ? String(cString: name) : "unknown"
        kernels = [
            ("gemm-f32", GEMM.automaticF32Kernel.rawValue),
            ("gemm-bf16", String(cString: rt_bf16_kernel_name())),
            // The VAE keeps fp32 weights in bf16 mode unless this says native (AutoencoderKL.weightPrecision).
            ("bf16-arithmetic", GEMM.BF16Path.automatic.resolved.hasNativeBF16Arithmetic ? "native" : "fp32 (vae stays fp32)"),
        ]
        openBLASCore = GEMM.openBLASCoreName
    }

    /// `name: value` lines: `cpu`, `cpu-features` (usable ones; `cpu-features-missing` for the rest), one per
    /// product's kernel, and `openblas-core` (marked as the reference only unless fp32 products run on OpenBLAS).
    public var lines: [String] {
        let usable = features.filter(\.usable).map(\.name), missing = features.filter { !$0.usable }.map(\.name)
        return ["cpu: \(modelName)", "cpu-features: \(usable.isEmpty ? "none" : usable.joined(separator: " "))"]
            + (missing.isEmpty ? [] : ["cpu-features-missing: \(missing.joined(separator: " "))"])
            + kernels.map { "\($0.product): \($0.kernel)" }
            + ["openblas-core: \(openBLASCore)\(GEMM.automaticF32Kernel == .openblas ? "" : " (reference only)")"]
    }
}
