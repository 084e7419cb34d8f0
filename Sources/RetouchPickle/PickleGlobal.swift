/// The only globals a pickle may name: the data types `torch.load(weights_only=True)` allows that checkpoints use.
///
/// A pickle's `GLOBAL`/`STACK_GLOBAL`/`INST` names a Python object by module and name; an ordinary unpickler imports
/// and later calls it, which is how a pickle runs code. Retouch resolves the name against this closed list and
/// refuses the file for anything else, before any later opcode is read. Calls (`REDUCE`, `NEWOBJ`) of these are
/// interpreted by Retouch as data constructors (`PickleMachine+Calls.swift`); nothing is imported or executed.
enum PickleGlobal: Equatable {
    /// `collections.OrderedDict`: a dict.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensorV2
    /// `torch._utils._rebuild_parameter(tensor, requires_grad, hooks)`: the tensor.
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state(tensor, requires_grad, hooks, state)`: the tensor.
    case rebuildParameterWithState
    /// `torch.FloatStorage` and friends, which only appear inside persistent ids.
    case storageType(TorchDType)
    /// `torch.Size(tuple)`: the tuple.
    case size
    /// `torch.device(type[, index])`: its description.
    case device
    /// `builtins.set(iterable)`.
    case set
    /// `builtins.frozenset(iterable)`.
    case frozenset
    /// `builtins.bytearray(bytes)`.
    case bytearray
    /// `_codecs.encode(text, 'latin1')`: how protocol 2 pickles `bytes`.
    case codecsEncode

    /// The allowed global `module.name`, or nil. Protocol 0–2 pickles spell `builtins` as `__builtin__`.
    static func resolve(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("torch", "Size"): return .size
        case ("torch", "device"): return .device
        case ("builtins", "set"), ("__builtin__", "set"): return .set
        case ("builtins", "frozenset"), ("__builtin__", "frozenset"): return .frozenset
        case ("builtins", "bytearray"), ("__builtin__", "bytearray"): return .bytearray
        case ("_codecs", "encode"): return .codecsEncode
        case ("torch", _): return TorchDType(rawValue: name).map { .storageType($0) }
        default: return nil
        }
    }

    /// The refusal of any other global.
    static func refusal(module: String, name: String) -> PickleProblem {
        PickleProblem("wants the global '\(module).\(name)', which is not on Retouch's allow-list of data types; nothing was run " +
                      "(a checkpoint holds only tensors, numbers, strings and containers; anything else could execute code)")
    }
}
