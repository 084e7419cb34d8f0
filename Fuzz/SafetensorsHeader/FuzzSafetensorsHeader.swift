import FuzzDriver
import RetouchSafetensors

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzSafetensorsHeader`.
@_cdecl("FuzzSafetensorsHeader_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzSafetensorsHeader(data, size) }
}

/// One input: validates it as a whole safetensors file held in memory, then reads every small tensor it
/// accepted (so offsets that pass validation are also exercised by the float32 conversion).
func fuzzSafetensorsHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let contents = UnsafeRawBufferPointer(start: data, count: size)
    guard let file = try? SafetensorsFile(contents: contents, path: "fuzz") else { return 0 }
    for name in file.tensorNames where file.entries[name].map({ $0.elementCount <= 1 << 20 }) ?? false {
        _ = try? file.tensor(name, releasePages: false)
    }
    return 0
}
