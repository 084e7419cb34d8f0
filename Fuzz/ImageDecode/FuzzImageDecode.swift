import FuzzDriver
import RetouchImaging

/// Pixel limit for fuzzing: large enough for every seed, small enough that a forged size never allocates much.
private let limits = ImageLimits(maxPixels: 1 << 20)

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzImageDecode`.
@_cdecl("FuzzImageDecode_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzImageDecode(data, size) }
}

/// One input: decodes the input as an image file (PNG, JPEG or TIFF by signature) through the C shims.
func fuzzImageDecode(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? ImageIO.decodeWithWarnings(bytes, path: "fuzz", limits: limits)
    return 0
}
