import FuzzDriver
import RetouchTokenizer

/// The bundled CLIP tokenizer, loaded once per process.
private let tokenizer: CLIPTokenizer = {
    do { return try CLIPTokenizer.bundled() } catch { fatalError("cannot load the bundled CLIP vocabulary: \(error)") }
}()

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzTokenizer`.
@_cdecl("FuzzTokenizer_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzTokenizer(data, size) }
}

/// One input: tokenizes the input, as UTF-8 text, plainly and with weighting and long-prompt chunking, and
/// decodes the ids again.
func fuzzTokenizer(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = tokenizer.decode(tokenizer.encode(text))
    _ = tokenizer.tokenize(text, options: TokenizeOptions(weighting: true, longPrompts: .chunk))
    return 0
}
