import RetouchImaging

/// Pixel limit for fuzzing: large enough for every seed, small enough that a forged size never allocates much.
private let limits = ImageLimits(maxPixels: 1 << 20)

/// libFuzzer entry: decodes the input as an image file (PNG, JPEG or TIFF by signature) through the C shims.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageDecode(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? ImageIO.decodeWithWarnings(bytes, path: "fuzz", limits: limits)
    return 0
}
