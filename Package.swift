// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Retouch: Stable Diffusion photo editing for CPUs, in Swift.
///
/// Modules depend only downwards: system shims → RetouchTensor / RetouchImaging / RetouchTokenizer /
/// RetouchSafetensors → RetouchModels, RetouchSchedulers → Retouch → the `retouch` executable.
let releaseFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Retouch",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Retouch", targets: ["Retouch"]),
        .executable(name: "retouch", targets: ["RetouchCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // MARK: System libraries (module maps and pkg-config only)
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4",
                       providers: [.apt(["libtiff-dev"])]),
        // C shims that keep libpng/libjpeg's setjmp/longjmp error handling inside C frames.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG", "CTIFF"]),

        // Vectorised inner loops (softmax, activations, norms, im2col) with run-time CPU dispatch.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // bf16 GEMM (AVX-512 BF16 with a portable fallback) for the bf16 precision mode.
        .target(name: "CBF16Kernels", dependencies: ["CKernels"], cSettings: [.unsafeFlags(["-O3"])]),

        // MARK: Libraries
        // `require`: argument checks that stay in -Ounchecked release builds (every library below uses it).
        .target(name: "RetouchChecks", swiftSettings: releaseFlags),
        // Reading user-named files safely (regular files only, size limits, no blocking on FIFOs) and output checks.
        .target(name: "RetouchFiles", dependencies: ["CCrypto"], swiftSettings: releaseFlags),
        .target(name: "RetouchTensor", dependencies: ["RetouchChecks", "CBLAS", "CKernels", "CBF16Kernels"],
                swiftSettings: releaseFlags),
        .target(name: "RetouchSafetensors", dependencies: ["CKernels", "RetouchTensor", "RetouchFiles"], swiftSettings: releaseFlags),
        // PyTorch checkpoints (.ckpt/.pt/.bin) read as data: zip and legacy torch.save forms, an allow-listed pickle machine.
        .target(name: "RetouchPickle", dependencies: ["RetouchTensor", "RetouchSafetensors"], swiftSettings: releaseFlags),
        .target(name: "RetouchImaging", dependencies: ["RetouchChecks", "RetouchFiles", "CImageCodecs"], swiftSettings: releaseFlags),
        .target(name: "RetouchTokenizer", dependencies: ["RetouchFiles"], resources: [.copy("Resources/clip-vocabulary")]),
        .target(name: "RetouchModels", dependencies: ["RetouchChecks", "RetouchFiles", "RetouchTensor", "RetouchSafetensors", "RetouchPickle", "RetouchTokenizer"],
                swiftSettings: releaseFlags),
        .target(name: "RetouchFill", dependencies: ["RetouchImaging"], swiftSettings: releaseFlags),
        .target(name: "RetouchSchedulers", dependencies: ["RetouchTensor", "RetouchFiles"], swiftSettings: releaseFlags),
        .target(name: "Retouch",
                dependencies: ["RetouchChecks", "RetouchFiles", "RetouchTensor", "RetouchSafetensors", "RetouchImaging", "RetouchTokenizer",
                               "RetouchModels", "RetouchFill", "RetouchSchedulers",
                               .product(name: "Yams", package: "Yams")],
                swiftSettings: releaseFlags),
        .executableTarget(name: "RetouchCLI",
                          dependencies: ["Retouch", "RetouchFiles", "RetouchTensor", "RetouchImaging", "RetouchFill",
                                         "RetouchModels", "RetouchSchedulers", "RetouchTokenizer",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: releaseFlags),

        // MARK: Tests
        .target(name: "RetouchTestSupport", dependencies: ["RetouchTensor", "RetouchImaging"]),
        .testTarget(name: "RetouchTensorTests", dependencies: ["CBF16Kernels", "RetouchChecks", "RetouchTensor", "RetouchTestSupport"]),
        .testTarget(name: "RetouchSafetensorsTests", dependencies: ["RetouchSafetensors", "RetouchTensor", "RetouchTestSupport"]),
        .testTarget(name: "RetouchPickleTests", dependencies: ["RetouchPickle", "RetouchSafetensors", "RetouchTensor", "RetouchTestSupport"]),
        .testTarget(name: "RetouchImagingTests", dependencies: ["RetouchImaging", "RetouchTestSupport"]),
        .testTarget(name: "RetouchTokenizerTests", dependencies: ["RetouchTokenizer", "RetouchTestSupport"]),
        .testTarget(name: "RetouchModelsTests", dependencies: ["RetouchFiles", "RetouchModels", "RetouchSafetensors", "RetouchTensor", "RetouchTestSupport"]),
        .testTarget(name: "RetouchFillTests", dependencies: ["RetouchFill", "RetouchImaging", "RetouchTestSupport"]),
        .testTarget(name: "RetouchSchedulersTests", dependencies: ["RetouchSchedulers", "RetouchTensor", "RetouchTestSupport"]),
        .testTarget(name: "RetouchPipelineTests", dependencies: ["Retouch", "RetouchImaging", "RetouchModels", "RetouchSchedulers", "RetouchTensor", "RetouchTokenizer", "RetouchTestSupport"]),
        .testTarget(name: "RetouchEditTests", dependencies: ["Retouch", "RetouchImaging", "RetouchTestSupport"]),
        .testTarget(
            name: "RetouchCLITests",
            dependencies: ["Retouch", "RetouchFiles", "RetouchImaging", "RetouchModels", "RetouchSafetensors", "RetouchTensor", "RetouchTestSupport"]
        ),
    ],
    // Numeric kernels share raw buffers across worker threads by design; the Swift 5 language mode keeps
    // those captures free of Sendable ceremony while the public types stay Sendable.
    swiftLanguageModes: [.v5]
)

// MARK: Fuzzing
/// libFuzzer targets, one executable per parser under `Fuzz/<Name>/`, declared only when `RETOUCH_FUZZ` is set
/// (`scripts/fuzz/build.sh` sets it and adds `-sanitize=fuzzer,address`), so normal builds and tests never see them.
if ProcessInfo.processInfo.environment["RETOUCH_FUZZ"] != nil {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("SafetensorsHeader", ["RetouchSafetensors"]),
        ("Pickle", ["RetouchPickle"]),
        ("ImageDecode", ["RetouchImaging"]),
        ("Recipe", ["Retouch"]),
        ("Manifest", ["Retouch"]),
        ("Config", ["RetouchModels", "RetouchSchedulers"]),
        ("Tokenizer", ["RetouchTokenizer"]),
        ("PromptWeighting", ["RetouchTokenizer"]),
    ]
    // SwiftPM aliases each executable's `main` to `<module>_main`; FuzzDriver hands that to libFuzzer's driver.
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/Driver"))
    package.targets += fuzzTargets.map { target in
        .executableTarget(name: "Fuzz\(target.name)", dependencies: ["FuzzDriver"] + target.dependencies,
                          path: "Fuzz/\(target.name)", swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
}
