import Retouch

/// libFuzzer entry: decodes the input, as UTF-8 text, as a YAML or JSON recipe and encodes what it accepted.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecipe(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    if let edit = try? Recipe.decode(text, file: "fuzz.yaml") { _ = try? Recipe.encode(edit) }
    return 0
}
