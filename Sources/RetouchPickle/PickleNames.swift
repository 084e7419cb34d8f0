/// Names a checkpoint's tensors as AUTOMATIC1111 and diffusers do.
enum PickleNames {
    /// Tensor indices by dotted name: the `state_dict` entry's dict when the top-level dict has one, else the
    /// top-level dict; nested dicts join their keys with `.`; anything that is neither a tensor nor a dict is skipped.
    static func tensors(in root: PickleValue, machine: PickleMachine) throws -> [String: Int] {
        guard case .dict(var index) = root else {
            throw PickleProblem("holds a \(root.kind), not a dict of tensors")
        }
        if case .dict(let inner)? = machine.heap.dicts[index].value("state_dict") { index = inner }
        var names: [String: Int] = [:]
        try collect(index, prefix: "", depth: 0, machine: machine, into: &names)
        return names
    }

    private static func collect(_ index: Int, prefix: String, depth: Int, machine: PickleMachine, into names: inout [String: Int]) throws {
        guard depth < machine.limits.nesting else {
            throw PickleProblem("nests dicts more than \(machine.limits.nesting) deep (at '\(prefix)')")
        }
        let dict = machine.heap.dicts[index]
        for (key, value) in zip(dict.keys, dict.values) {
            let name: String
            switch key {
            case .string(let text): name = prefix + text
            case .int(let number): name = prefix + String(number)
            default: continue
            }
            switch value {
            case .tensor(let tensor):
                guard names[name] == nil else { throw PickleProblem("names two tensors '\(name)'") }
                names[name] = tensor
            case .dict(let inner):
                try collect(inner, prefix: name + ".", depth: depth + 1, machine: machine, into: &names)
            default:
                continue
            }
        }
    }
}
