import Foundation

/// Byte-pair encoding with CLIP's end-of-word marker: a word's last symbol carries `</w>`, and the
/// lowest-ranked adjacent pair is merged until no ranked pair remains. Results are cached per word.
final class BPE: @unchecked Sendable {
    private let ranks: [String: Int]       // "left right" → rank
    private var cache: [String: [String]] = [:]
    private let lock = NSLock()

    /// Creates the encoder from merges in priority order.
    init(merges: [(String, String)]) {
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() where ranks["\(merge.0) \(merge.1)"] == nil {
            ranks["\(merge.0) \(merge.1)"] = rank
        }
        self.ranks = ranks
    }

    /// The BPE symbols of one byte-encoded word.
    func encode(_ word: String) -> [String] {
        lock.lock()
        if let cached = cache[word] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        var symbols = word.unicodeScalars.map { String($0) }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += "</w>"
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for i in 0..<(symbols.count - 1) {
                if let rank = ranks["\(symbols[i]) \(symbols[i + 1])"], rank < (best?.rank ?? .max) {
                    best = (rank, i)
                }
            }
            guard let best else { break }
            let (left, right) = (symbols[best.index], symbols[best.index + 1])
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == left, symbols[i + 1] == right {
                    merged.append(left + right)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        lock.lock()
        cache[word] = symbols
        lock.unlock()
        return symbols
    }
}
