import FuzzDriver
import Foundation
import Retouch

private let base = URL(fileURLWithPath: "/fuzz")

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzManifest`.
@_cdecl("FuzzManifest_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzManifest(data, size) }
}

/// One input: the first byte picks the format (odd: JSON lines, even: CSV); the rest, as UTF-8 text, is
/// read as a batch manifest.
func fuzzManifest(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    _ = try? BatchRunner.items(manifestText: text, jsonLines: bytes[0] & 1 == 1, base: base, file: "fuzz-manifest")
    return 0
}
