import Foundation
import Yams

/// Bounds on untrusted YAML/JSON (recipes): document size, nesting depth and the size of the tree after alias
/// expansion, each an error naming the file, checked before the decoder walks the document.
///
/// The YAML library composes and decodes recursively, so a document nested a few thousand levels deep overflows
/// the stack, and aliases to aliases ("billion laughs") expand exponentially. A conservative scan of the text
/// bounds the depth before the library sees it; a budgeted walk of the composed tree (aliases share storage there,
/// so composing is cheap) bounds the expanded size before decoding.
public struct YAMLLimits: Sendable {
    /// The largest document: 4 MiB.
    public var maxBytes = 4 << 20
    /// The deepest nesting of mappings and sequences: 64.
    public var maxDepth = 64
    /// The most nodes the document may expand to, aliases included: 100,000.
    public var maxNodes = 100_000

    /// The default limits.
    public init() {}

    /// Throws unless `text` lies within the limits.
    public func check(_ text: String, file: String) throws {
        guard text.utf8.count <= maxBytes else {
            throw EditError(description: "\(file): is \(text.utf8.count) bytes, over the \(maxBytes >> 20) MiB limit for a recipe")
        }
        let estimate = Self.estimatedDepth(text)
        guard estimate <= maxDepth else {
            throw EditError(description: "\(file): nested about \(estimate) levels deep, over the limit of \(maxDepth)")
        }
        let root: Node?
        do { root = try Parser(yaml: text).singleRoot() } catch {
            throw EditError(description: "\(file): not valid YAML or JSON: \(error)")
        }
        guard let root else { return }
        var budget = maxNodes
        try walk(root, depth: 1, budget: &budget, file: file)
    }

    private func walk(_ node: Node, depth: Int, budget: inout Int, file: String) throws {
        budget -= 1
        guard budget >= 0 else {
            throw EditError(description: "\(file): expands to more than \(maxNodes) values (aliases included), over the limit")
        }
        guard depth <= maxDepth else { throw EditError(description: "\(file): nested more than \(maxDepth) levels deep") }
        switch node {
        case .scalar: return
        case .sequence(let sequence): for child in sequence { try walk(child, depth: depth + 1, budget: &budget, file: file) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                try walk(key, depth: depth + 1, budget: &budget, file: file)
                try walk(value, depth: depth + 1, budget: &budget, file: file)
            }
        }
    }

    /// An over-estimate of the nesting depth, from the text alone: block levels from indentation (each `- ` counts
    /// twice, for the sequence and its item) plus flow brackets outside quoted scalars and comments.
    public static func estimatedDepth(_ text: String) -> Int {
        var blockColumns: [Int] = []   // indentation of the open block levels
        var flow = 0, deepest = 0
        var quote: UInt8? = nil        // the open quote character of a multi-line quoted scalar
        var literalParent: Int? = nil  // indentation of a line that opened a block scalar (| or >)
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let bytes = Array(line)
            var index = 0
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
            let column = index
            if quote == nil, flow == 0 {
                if index == bytes.count || bytes[index] == UInt8(ascii: "#") || bytes[index] == UInt8(ascii: "\r") { continue }
                if let parent = literalParent {
                    if column > parent { continue }
                    literalParent = nil
                }
                while let last = blockColumns.last, last >= column { blockColumns.removeLast() }
                blockColumns.append(column)
                while index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: " ") {
                    blockColumns.append(index + 1)
                    blockColumns.append(index + 2)
                    index += 2
                    while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
                }
            }
            var scalarStart = true
            var last: UInt8 = UInt8(ascii: " ")
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if open == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") { index += 2; continue }
                    if byte == open {
                        if open == UInt8(ascii: "'"), index + 1 < bytes.count, bytes[index + 1] == open { index += 2; continue }
                        quote = nil
                        scalarStart = false
                    }
                    index += 1
                    continue
                }
                switch byte {
                case UInt8(ascii: "#") where last == UInt8(ascii: " ") || last == UInt8(ascii: "\t"):
                    index = bytes.count
                    continue
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    if scalarStart || flow > 0 && (last == UInt8(ascii: " ") || ",[{:".utf8.contains(last)) { quote = byte }
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    if scalarStart || flow > 0 {
                        flow += 1
                        deepest = max(deepest, blockColumns.count + flow)
                        scalarStart = true
                    }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if flow > 0 { flow -= 1 }
                case UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "?"):
                    if flow > 0 || index + 1 >= bytes.count || bytes[index + 1] == UInt8(ascii: " ") { scalarStart = true }
                case UInt8(ascii: "|"), UInt8(ascii: ">"):
                    if scalarStart, flow == 0 { literalParent = column }
                case UInt8(ascii: "!"), UInt8(ascii: "&"), UInt8(ascii: "*"):
                    // Tags, anchors and aliases keep the position a scalar start: skip the token.
                    if scalarStart { while index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: " ") { index += 1 } }
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    break
                default:
                    scalarStart = false
                }
                last = byte
                index += 1
            }
            deepest = max(deepest, blockColumns.count + flow)
        }
        return deepest
    }
}
