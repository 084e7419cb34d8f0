/// One value of the pickle machine. Containers are indices into a `PickleHeap`, so values never nest in memory:
/// a deep or cyclic pickle cannot overflow the stack when values are copied or freed.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits, as little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(Int)
    case list(Int)
    case dict(Int)
    case set(Int)
    case global(PickleGlobal)
    /// A storage from a persistent id, by index into `PickleMachine.storages`.
    case storage(Int)
    /// A tensor view, by index into `PickleMachine.tensors`.
    case tensor(Int)

    /// The kind of value, for error messages.
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .set: "set"
        case .global: "global"
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }
}

/// A dict key that can be compared (strings, integers, booleans, None); other keys are kept without deduplication.
enum PickleKey: Hashable {
    case none, bool(Bool), int(Int), string(String)

    init?(_ value: PickleValue) {
        switch value {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .string(let s): self = .string(s)
        default: return nil
        }
    }
}

/// A dict's items in insertion order, with an index for the keys that can be compared (a later set replaces).
struct PickleDict {
    var keys: [PickleValue] = []
    var values: [PickleValue] = []
    private var index: [PickleKey: Int] = [:]

    /// Sets `key` to `value`, replacing an equal key's value as Python does.
    mutating func set(_ key: PickleValue, _ value: PickleValue) {
        if let hashable = PickleKey(key) {
            if let position = index[hashable] { values[position] = value; return }
            index[hashable] = keys.count
        }
        keys.append(key)
        values.append(value)
    }

    /// The value of string key `key`.
    func value(_ key: String) -> PickleValue? { index[.string(key)].map { values[$0] } }
}

/// Every container one pickle built, owned together and freed together.
struct PickleHeap {
    var tuples: [[PickleValue]] = []
    var lists: [[PickleValue]] = []
    var dicts: [PickleDict] = []
    var sets: [[PickleValue]] = []
}
