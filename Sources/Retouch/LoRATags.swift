import Foundation

/// AUTOMATIC1111's prompt tags `<lora:NAME:WEIGHT>` and `<lora:NAME:TE_WEIGHT:UNET_WEIGHT>` (also `<lyco:…>`).
///
/// The tags choose LoRAs by file stem in `--lora-dir`; they are removed from the text before tokenizing, as
/// A1111 does, while the infotext keeps the prompt as written.
public struct LoRATag: Sendable, Equatable {
    /// The file stem.
    public let name: String
    /// The strengths for the text encoder and the UNet (one number sets both; none means 1).
    public let textEncoderWeight: Float, unetWeight: Float

    /// Creates a tag.
    public init(name: String, textEncoderWeight: Float, unetWeight: Float) {
        self.name = name
        self.textEncoderWeight = textEncoderWeight
        self.unetWeight = unetWeight
    }

    /// `<lora:NAME…>` or `<lyco:NAME…>` with whatever follows the name up to `>`, so a tag with too many or
    /// malformed weights is an error, never text left in the prompt while its LoRA is silently not applied.
    static let pattern = try! NSRegularExpression(pattern: "<(?:lora|lyco):([^:>]+)((?::[^>]*)?)>", options: [.caseInsensitive])

    /// The tags in `prompt`, in order; a weight that is not a finite number is an error naming the tag.
    public static func tags(in prompt: String) throws -> [LoRATag] {
        let range = NSRange(prompt.startIndex..., in: prompt)
        return try pattern.matches(in: prompt, range: range).map { match in
            let text = (prompt as NSString).substring(with: match.range)
            let name = (prompt as NSString).substring(with: match.range(at: 1)).trimmingCharacters(in: .whitespaces)
            let rest = (prompt as NSString).substring(with: match.range(at: 2))
            let numbers = rest.split(separator: ":", omittingEmptySubsequences: false).dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
            guard numbers.count <= 2 else {
                throw LoRATagError(tag: text, problem: "has \(numbers.count) weights; a tag takes one, or two (text encoder, UNet)")
            }
            let values = try numbers.map { string -> Float in
                guard let value = Float(string), value.isFinite else {
                    throw LoRATagError(tag: text, problem: "'\(string)' is not a weight (a number such as 0.8)")
                }
                return value
            }
            let te = values.first ?? 1
            return LoRATag(name: name, textEncoderWeight: te, unetWeight: values.count > 1 ? values[1] : te)
        }
    }

    /// `prompt` without its LoRA tags.
    public static func stripped(_ prompt: String) -> String {
        guard prompt.contains("<") else { return prompt }
        return pattern.stringByReplacingMatches(in: prompt, range: NSRange(prompt.startIndex..., in: prompt), withTemplate: "")
    }
}

/// A malformed `<lora:…>` tag.
public struct LoRATagError: Error, CustomStringConvertible, Sendable {
    /// The tag as written.
    public let tag: String
    /// What is wrong.
    public let problem: String
    public var description: String { "\(tag): \(problem)" }
}
