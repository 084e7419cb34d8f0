import Foundation
import RetouchFiles

/// A diffusers folder's `model_index.json`, decoded once: which pipeline the folder is for.
///
/// Retouch runs the Stable Diffusion 1.x/2.x pipelines. Any other `_class_name` — SDXL's, or one Retouch does
/// not know — is an error naming the file and class, so such a folder never runs as if it were SD 1.x.
public struct ModelIndex: Sendable, Equatable {
    /// The pipeline classes Retouch runs (the names diffusers writes for SD 1.x/2.x folders).
    public enum Pipeline: String, Sendable, CaseIterable {
        /// Text to image (also used for img2img and 4-channel inpainting).
        case textToImage = "StableDiffusionPipeline"
        /// Image to image.
        case imageToImage = "StableDiffusionImg2ImgPipeline"
        /// Inpainting (9-channel inpainting checkpoints).
        case inpaint = "StableDiffusionInpaintPipeline"
        /// A distilled LCM model (e.g. LCM_Dreamshaper_v7: an SD 1.5 folder whose UNet has `time_cond_proj_dim`).
        case latentConsistency = "LatentConsistencyModelPipeline"
        /// A distilled LCM model saved from diffusers' LCM image-to-image pipeline (the same components).
        case latentConsistencyImageToImage = "LatentConsistencyModelImg2ImgPipeline"
    }

    /// The folder's pipeline.
    public let pipeline: Pipeline

    /// Decodes `model_index.json` data that came from `file`.
    public init(data: Data, file: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelLoadingError(origin: file, problem: "not a JSON object")
        }
        guard let name = object["_class_name"] as? String else {
            throw ModelLoadingError(origin: file, key: "_class_name",
                                    problem: "missing or not a string; it must name the pipeline (supported: \(Self.supportedList))")
        }
        guard let pipeline = Pipeline(rawValue: name) else {
            let family = name.hasPrefix("StableDiffusionXL") ? "SDXL pipelines are" : "this pipeline is"
            throw ModelLoadingError(origin: file, key: "_class_name",
                                    problem: "'\(name)' is not supported yet: \(family) not implemented (supported: \(Self.supportedList))")
        }
        self.pipeline = pipeline
    }

    /// Reads `model_index.json` at `url`.
    public init(url: URL) throws {
        let data: Data
        do { data = try InputFile.data(url, maxBytes: InputFile.Limit.config, what: "model index") } catch let problem as FileProblem {
            throw ModelLoadingError(origin: url.path, problem: problem.problem)
        }
        try self.init(data: data, file: url.path)
    }

    static var supportedList: String { Pipeline.allCases.map(\.rawValue).joined(separator: ", ") }
}
