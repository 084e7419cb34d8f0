import Foundation

/// The normaliser of CLIP's tokenizer (transformers ≥ 5, backed by the `tokenizers` library): NFC, every run of
/// Unicode whitespace replaced by one space, then lowercasing. Nothing else is removed or spaced.
enum TextCleaner {
    /// The normalised text.
    static func clean(_ text: Substring) -> String {
        let normalized = String(text).precomposedStringWithCanonicalMapping
        var collapsed = String.UnicodeScalarView()
        var inWhitespace = false
        for scalar in normalized.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inWhitespace { collapsed.append(" ") }
                inWhitespace = true
            } else {
                collapsed.append(scalar)
                inWhitespace = false
            }
        }
        return String(collapsed).lowercased()
    }
}
