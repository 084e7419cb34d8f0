import RetouchTensor

/// Stops a run when a network produced NaN or Inf, so a broken model or config gives an error saying where instead
/// of a black, grey or noise picture. One pass over the tensor.
enum NonFiniteCheck {
    /// Throws `PipelineError("<what> is NaN")` (or `holds Inf`) when `tensor` has a non-finite value.
    static func require(_ tensor: Tensor, _ what: String) throws {
        var sawNaN = false, sawInf = false
        tensor.scalars.withUnsafeBufferPointer { values in
            var finite = true
            for value in values where !value.isFinite { finite = false; break }
            guard !finite else { return }
            sawNaN = values.contains { $0.isNaN }
            sawInf = values.contains { $0.isInfinite }
        }
        if sawNaN { throw PipelineError("\(what) is NaN (the model's weights or config are broken; no image was written)") }
        if sawInf { throw PipelineError("\(what) holds Inf (the model's weights or config are broken; no image was written)") }
    }
}
