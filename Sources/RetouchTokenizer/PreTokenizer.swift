/// CLIP's pre-tokenisation pattern, written out as a scanner:
/// `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive),
/// tried in that order at each position; whitespace between matches is skipped.
enum PreTokenizer {
    private static let specials = ["<|startoftext|>", "<|endoftext|>"]
    private static let contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]

    /// The pieces of `text` the pattern matches, in order.
    static func split(_ text: String) -> [Substring] {
        var pieces: [Substring] = []
        var index = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        let end = scalars.endIndex
        while index < end {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                index = scalars.index(after: index)
                continue
            }
            let head = String(String.UnicodeScalarView(scalars[index...].prefix(15))).lowercased()
            if let literal = (specials + contractions).first(where: { head.hasPrefix($0) }) {
                let next = scalars.index(index, offsetBy: literal.unicodeScalars.count)
                pieces.append(Substring(scalars[index..<next]))
                index = next
                continue
            }
            var next = scalars.index(after: index)
            if isLetter(scalar) {
                while next < end, isLetter(scalars[next]) { next = scalars.index(after: next) }
            } else if !isNumber(scalar) {
                while next < end, !isLetter(scalars[next]), !isNumber(scalars[next]), !scalars[next].properties.isWhitespace {
                    next = scalars.index(after: next)
                }
            }
            pieces.append(Substring(scalars[index..<next]))
            index = next
        }
        return pieces
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
