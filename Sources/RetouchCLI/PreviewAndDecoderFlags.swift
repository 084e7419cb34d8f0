import ArgumentParser
import Foundation
import Retouch
import RetouchImaging
import RetouchModels

/// `--decoder taesd:PATH`: ArgumentParser options take one value, so the decoder's kind and its file travel together
/// as `KIND:PATH`; `taesd` is the only kind besides the VAE itself.
enum DecoderFlag {
    /// The TAESD path of a `--decoder` value, or a usage error naming the flag.
    static func taesdPath(_ value: String) throws -> String {
        guard value.hasPrefix("taesd:"), value.count > "taesd:".count else {
            throw ValidationError("--decoder must be taesd:PATH (PATH a TAESD folder or file); got '\(value)'")
        }
        return String(value.dropFirst("taesd:".count))
    }
}

/// `--preview-decoder approx|taesd|taesd:PATH`.
enum PreviewDecoderFlag: Equatable {
    /// AUTOMATIC1111's cheap linear latent-to-RGB projection (the default).
    case approx
    /// The TAESD already given (`--decoder taesd:PATH`, or a TAESD as `--vae`).
    case taesd
    /// A TAESD read from this path for previews only.
    case taesdFile(String)

    /// Parses the flag's value, or throws a usage error naming the flag.
    init(_ value: String) throws {
        switch value {
        case "approx": self = .approx
        case "taesd": self = .taesd
        case _ where value.hasPrefix("taesd:") && value.count > "taesd:".count: self = .taesdFile(String(value.dropFirst("taesd:".count)))
        default: throw ValidationError("--preview-decoder must be approx, taesd or taesd:PATH; got '\(value)'")
        }
    }
}

extension DiffusionOptions {
    /// Where `--preview-every` writes: the output's name with `.preview.png` for its extension (`out.png` →
    /// `out.preview.png`), in the output's folder.
    static func previewURL(for output: URL) -> URL {
        output.deletingPathExtension().appendingPathExtension("preview.png")
    }

    /// Checks the TAESD and preview flags (usage errors, exit 64).
    func validateTAESDFlags() throws {
        if let decoder { _ = try DecoderFlag.taesdPath(decoder) }
        if let previewEvery, previewEvery < 1 {
            throw ValidationError("--preview-every must be at least 1 (a preview every N steps); got \(previewEvery)")
        }
        if let previewDecoder {
            _ = try PreviewDecoderFlag(previewDecoder)
            guard previewEvery != nil else { throw ValidationError("--preview-decoder needs --preview-every N") }
        }
    }

    /// The live previews the flags ask for, writing each to `url` atomically (a temporary file in the same folder
    /// renamed over it, by `ImageIO.write`); nil without `--preview-every`. A preview that cannot be written is a
    /// warning, once; the run goes on.
    func livePreviews(model: StableDiffusion, files: ModelFiles, writingTo url: URL) throws -> LivePreviews? {
        guard let previewEvery else { return nil }
        let decoder: PreviewDecoder
        switch try PreviewDecoderFlag(previewDecoder ?? "approx") {
        case .approx:
            decoder = .approx
        case .taesd:
            if let taesd = model.taesdDecoder {
                decoder = .taesd(taesd)
            } else if let vae = files.vae, StandaloneTAESD.detect(URL(fileURLWithPath: vae)) {
                decoder = .taesd(try StandaloneTAESD(url: URL(fileURLWithPath: vae), flag: "--vae", needsEncoder: false).decoder())
            } else {
                throw PipelineError("--preview-decoder taesd needs a TAESD: give --decoder taesd:PATH, a TAESD as --vae, or use --preview-decoder taesd:PATH")
            }
        case .taesdFile(let path):
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            decoder = .taesd(try StandaloneTAESD(url: url, flag: "--preview-decoder", needsEncoder: false).decoder())
        }
        try decoder.check(fits: model.latentSpace, flag: "--preview-decoder")
        let warned = PreviewWarning()
        return try LivePreviews(every: previewEvery, decoder: decoder) { frame in
            do { try ImageIO.write(frame.image, to: url) } catch { warned.once("warning: preview not written: \(error)\n") }
        }
    }
}

/// Prints a warning the first time only.
final class PreviewWarning: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    func once(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        FileHandle.standardError.write(Data(text.utf8))
    }
}
