import Foundation

/// A run of prompt text with its attention weight; `isBreak` marks AUTOMATIC1111's `BREAK` keyword.
public struct PromptSegment: Sendable, Equatable {
    /// The text.
    public var text: String
    /// Its weight (1 is neutral).
    public var weight: Float
    /// Whether this is a `BREAK` (start a new chunk), which has no text.
    public var isBreak: Bool

    /// Creates a segment.
    public init(text: String, weight: Float, isBreak: Bool = false) {
        self.text = text
        self.weight = weight
        self.isBreak = isBreak
    }
}

/// AUTOMATIC1111's attention syntax (its `parse_prompt_attention`): `(text)` multiplies by 1.1, `[text]` divides
/// by 1.1, `(text:1.3)` sets an explicit factor, nesting multiplies, `\(` `\)` `\[` `\]` `\\` are literal, unclosed
/// brackets apply to the end of the prompt, and `BREAK` forces a new chunk. Adjacent runs of equal weight merge.
public enum PromptWeighting {
    /// The prompt's segments.
    public static func parse(_ prompt: String) -> [PromptSegment] {
        var result: [PromptSegment] = []
        var roundOpen: [Int] = []
        var squareOpen: [Int] = []
        func multiply(from start: Int, by factor: Float) {
            for index in start..<result.count where !result[index].isBreak { result[index].weight *= factor }
        }
        let characters = Array(prompt)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\":
                if index + 1 < characters.count, "()[]\\".contains(characters[index + 1]) {
                    result.append(PromptSegment(text: String(characters[index + 1]), weight: 1))
                    index += 2
                } else {
                    result.append(PromptSegment(text: "", weight: 1))
                    index += 1
                }
            case "(":
                roundOpen.append(result.count)
                index += 1
            case "[":
                squareOpen.append(result.count)
                index += 1
            case ":":
                if let (factor, length) = explicitWeight(characters, at: index), let start = roundOpen.popLast() {
                    multiply(from: start, by: factor)
                    index += length
                } else if let (_, length) = explicitWeight(characters, at: index) {
                    appendText(String(characters[index..<(index + length)]), to: &result)
                    index += length
                } else {
                    appendText(":", to: &result)
                    index += 1
                }
            case ")":
                if let start = roundOpen.popLast() { multiply(from: start, by: 1.1) } else { appendText(")", to: &result) }
                index += 1
            case "]":
                if let start = squareOpen.popLast() { multiply(from: start, by: 1 / 1.1) } else { appendText("]", to: &result) }
                index += 1
            default:
                var end = index
                while end < characters.count, !"\\()[]:".contains(characters[end]) { end += 1 }
                appendText(String(characters[index..<end]), to: &result)
                index = end
            }
        }
        for start in roundOpen { multiply(from: start, by: 1.1) }
        for start in squareOpen { multiply(from: start, by: 1 / 1.1) }
        if result.isEmpty { result = [PromptSegment(text: "", weight: 1)] }
        var merged: [PromptSegment] = []
        for segment in result {
            if let last = merged.last, !last.isBreak, !segment.isBreak, last.weight == segment.weight {
                merged[merged.count - 1].text += segment.text
            } else {
                merged.append(segment)
            }
        }
        return merged
    }

    /// `:\s*([+-]?[.\d]+)\s*\)` at `index`: the factor and the match length.
    private static func explicitWeight(_ characters: [Character], at index: Int) -> (Float, Int)? {
        var cursor = index + 1
        while cursor < characters.count, characters[cursor].isWhitespace { cursor += 1 }
        let numberStart = cursor
        if cursor < characters.count, "+-".contains(characters[cursor]) { cursor += 1 }
        let digitsStart = cursor
        while cursor < characters.count, characters[cursor] == "." || characters[cursor].isASCII && characters[cursor].isNumber { cursor += 1 }
        guard cursor > digitsStart else { return nil }
        let number = String(characters[numberStart..<cursor])
        while cursor < characters.count, characters[cursor].isWhitespace { cursor += 1 }
        guard cursor < characters.count, characters[cursor] == ")", let value = Float(number) else { return nil }
        return (value, cursor + 1 - index)
    }

    private static let breakPattern: NSRegularExpression = {
        do { return try NSRegularExpression(pattern: #"\s*\bBREAK\b\s*"#) } catch {
            preconditionFailure("the BREAK pattern is a constant and must compile: \(error)")
        }
    }()

    /// Appends plain text, split at `BREAK` keywords (whole words; the spaces around them go with them).
    private static func appendText(_ text: String, to result: inout [PromptSegment]) {
        let range = NSRange(text.startIndex..., in: text)
        var start = text.startIndex
        for match in breakPattern.matches(in: text, range: range) {
            guard let matched = Range(match.range, in: text) else { continue }
            result.append(PromptSegment(text: String(text[start..<matched.lowerBound]), weight: 1))
            result.append(PromptSegment(text: "", weight: -1, isBreak: true))
            start = matched.upperBound
        }
        result.append(PromptSegment(text: String(text[start...]), weight: 1))
    }
}
