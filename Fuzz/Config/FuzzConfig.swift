import Foundation
import RetouchModels
import RetouchSchedulers

/// libFuzzer entry: decodes the input as a `config.json` for the UNet, the VAE and the CLIP text encoder, and as
/// a `scheduler_config.json`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    if let reader = try? ConfigReader(data: data, file: "config.json") {
        _ = try? UNetConfig(reader)
        _ = try? VAEConfig(reader)
        _ = try? CLIPTextConfig(reader)
    }
    _ = try? SchedulerConfig(data: data, file: "scheduler_config.json")
    return 0
}
