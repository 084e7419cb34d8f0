import RetouchTokenizer

/// libFuzzer entry: parses the input, as UTF-8 text, with AUTOMATIC1111's attention syntax. (Retouch writes
/// infotext but has no infotext parser, so this is the prompt parser that reads user text.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPromptWeighting(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = PromptWeighting.parse(text)
    return 0
}
