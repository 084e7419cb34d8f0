import FuzzDriver
import RetouchPickle

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzPickle`.
@_cdecl("FuzzPickle_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzPickle(data, size) }
}

/// One input: opened as a whole PyTorch checkpoint held in memory (zip or legacy form), every small tensor it
/// accepted read (so strides and offsets that pass validation are also exercised by the conversion), and the same
/// bytes interpreted as one plain pickle.
func fuzzPickle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let contents = UnsafeRawBufferPointer(start: data, count: size)
    if let checkpoint = try? PickleCheckpoint(contents: contents, path: "fuzz") {
        for name in checkpoint.tensorNames where (checkpoint.shapes[name]?.reduce(1, *) ?? 0) <= 1 << 20 {
            _ = try? checkpoint.tensor(name)
        }
    }
    _ = try? PickleReader.pythonRepr(of: [UInt8](contents), path: "fuzz")
    return 0
}
