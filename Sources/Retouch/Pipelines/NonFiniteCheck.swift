import RetouchTensor

/// Stops a run when a network produced NaN or Inf, so a broken model or config gives an error saying where instead
/// of a black, grey or noise picture. One vectorisable pass over the tensor; a second only when something is wrong.
enum NonFiniteCheck {
    /// Throws `PipelineError("<what> is NaN")` (or `holds Inf`) when `tensor` has a non-finite value.
    static func require(_ tensor: Tensor, _ what: String) throws {
        var exponentMax: UInt32 = 0
        for value in tensor.scalars { exponentMax = max(exponentMax, value.bitPattern & 0x7F80_0000) }
        guard exponentMax == 0x7F80_0000 else { return }   // all-ones exponent: NaN or ±Inf somewhere
        let kind = tensor.scalars.contains { $0.isNaN } ? "is NaN" : "holds Inf"
        throw PipelineError("\(what) \(kind) (the model's weights or config are broken)")
    }
}
