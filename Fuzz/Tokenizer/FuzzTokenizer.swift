import RetouchTokenizer

/// The bundled CLIP tokenizer, loaded once per process.
private let tokenizer: CLIPTokenizer = {
    do { return try CLIPTokenizer.bundled() } catch { fatalError("cannot load the bundled CLIP vocabulary: \(error)") }
}()

/// libFuzzer entry: tokenizes the input, as UTF-8 text, plainly and with weighting and long-prompt chunking, and
/// decodes the ids again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = tokenizer.decode(tokenizer.encode(text))
    _ = tokenizer.tokenize(text, options: TokenizeOptions(weighting: true, longPrompts: .chunk))
    return 0
}
