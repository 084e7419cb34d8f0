import FuzzDriver
import Retouch

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzRecipe`.
@_cdecl("FuzzRecipe_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzRecipe(data, size) }
}

/// One input: decodes the input, as UTF-8 text, as a YAML or JSON recipe and encodes what it accepted.
func fuzzRecipe(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    if let edit = try? Recipe.decode(text, file: "fuzz.yaml") { _ = try? Recipe.encode(edit) }
    return 0
}
