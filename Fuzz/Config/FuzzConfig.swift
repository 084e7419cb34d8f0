import FuzzDriver
import Foundation
import RetouchModels
import RetouchSchedulers

/// The process entry (SwiftPM aliases `main` to it): runs libFuzzer on `fuzzConfig`.
@_cdecl("FuzzConfig_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    retouch_fuzz_run(argc, argv) { data, size in fuzzConfig(data, size) }
}

/// One input: decodes the input as a `config.json` for the UNet, the VAE, TAESD and the CLIP text encoder, and as
/// a `scheduler_config.json`.
func fuzzConfig(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Data(UnsafeRawBufferPointer(start: start, count: count))
    if let reader = try? ConfigReader(data: data, file: "config.json") {
        _ = try? UNetConfig(reader)
        _ = try? CLIPTextConfig(reader)
        _ = try? VAEConfig(reader)
        _ = try? TAESDConfig(reader)
    }
    _ = try? SchedulerConfig(data: data, file: "scheduler_config.json")
    return 0
}
