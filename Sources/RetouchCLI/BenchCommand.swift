import ArgumentParser
import Retouch
import RetouchModels
import RetouchTensor

/// Prints the CPU, its features and each product's kernel before any figure, so every figure names its machine.
private func printCPUReport() {
    for line in CPUReport.current.lines { print(line) }
    fflushStdout()
}

/// `retouch bench`: performance figures, one `name: value unit` line each.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Retouch's speed and memory on this machine.",
        subcommands: [KernelsBench.self, ModelsBench.self]
    )
}

/// `retouch bench kernels`.
struct KernelsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Tensor kernels on Stable Diffusion's shapes beside OpenBLAS's sgemm.")

    @Option(help: "Timed runs per figure; the median is printed.")
    var runs = 5

    @Option(help: "Run only this figure (repeatable): \(KernelBenchmark.figureNames.joined(separator: ", ")).")
    var only: [String] = []

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        for name in only where !KernelBenchmark.figureNames.contains(name) {
            throw ValidationError("unknown figure '\(name)'; choose from \(KernelBenchmark.figureNames.joined(separator: ", "))")
        }
    }

    func run() throws {
        printCPUReport()
        KernelBenchmark(runs: runs).run(only: Set(only)) { print($0, terminator: "\n"); fflushStdout() }
    }
}

/// `retouch bench models`.
struct ModelsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "SD 1.5-architecture text encoder, UNet and VAE with seeded random weights (no files needed).")

    @Option(help: "Timed runs per figure; the median is printed.")
    var runs = 3

    @Option(help: "Run only this figure (repeatable): \(ModelBenchmark.figureNames.joined(separator: ", ")).")
    var only: [String] = []

    @Option(help: "fp32 GEMM kernel for every product: \(GEMM.F32Kernel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var gemm = GEMM.F32Kernel.automatic.rawValue

    @Option(help: "Model residency for inpaint-512: lean (the CLI's one-shot default) or keep-all.")
    var residency = "lean"

    @Option(help: "Weight precision: fp32 or bf16.")
    var precision = "fp32"

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard let kernel = GEMM.F32Kernel(rawValue: gemm) else {
            throw ValidationError("--gemm must be one of \(GEMM.F32Kernel.allCases.map(\.rawValue).joined(separator: ", ")); got '\(gemm)'")
        }
        guard kernel.isSupported else { throw ValidationError("--gemm \(gemm): this CPU cannot run that kernel") }
        guard Precision(rawValue: precision) != nil else { throw ValidationError("--precision must be fp32 or bf16; got '\(precision)'") }
        guard Residency(rawValue: residency) != nil else { throw ValidationError("--residency must be lean or keep-all; got '\(residency)'") }
        for name in only where !ModelBenchmark.figureNames.contains(name) {
            throw ValidationError("unknown figure '\(name)'; choose from \(ModelBenchmark.figureNames.joined(separator: ", "))")
        }
    }

    func run() throws {
        GEMM.runAutomatic(on: GEMM.F32Kernel(rawValue: gemm) ?? .automatic)
        printCPUReport()
        try ModelBenchmark(runs: runs, residency: Residency(rawValue: residency) ?? .lean,
                           precision: Precision(rawValue: precision) ?? .fp32).run(only: Set(only)) { print($0); fflushStdout() }
    }
}
