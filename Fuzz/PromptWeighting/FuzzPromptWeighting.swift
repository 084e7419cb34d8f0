import FuzzDriver
import RetouchTokenizer

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzPromptWeighting`.
@_cdecl("FuzzPromptWeighting_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzPromptWeighting(data, size) }
}

/// One input: parses the input, as UTF-8 text, with AUTOMATIC1111's attention syntax. (Retouch writes
/// infotext but has no infotext parser, so this is the prompt parser that reads user text.)
func fuzzPromptWeighting(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = PromptWeighting.parse(text)
    return 0
}
