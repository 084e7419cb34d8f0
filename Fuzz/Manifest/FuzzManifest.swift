import Foundation
import Retouch

private let base = URL(fileURLWithPath: "/fuzz")

/// libFuzzer entry: the first byte picks the format (odd: JSON lines, even: CSV); the rest, as UTF-8 text, is
/// read as a batch manifest.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    _ = try? BatchRunner.items(manifestText: text, jsonLines: bytes[0] & 1 == 1, base: base, file: "fuzz-manifest")
    return 0
}
