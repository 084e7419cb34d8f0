/// A storage named by a persistent id `('storage', torch.XStorage, key, location, numel[, view])`.
struct StorageRecord: Equatable {
    /// The key: the zip entry `data/<key>`, or the legacy format's storage key.
    let key: String
    /// The element type.
    let dtype: TorchDType
    /// The number of elements.
    let count: Int
}

/// A tensor `_rebuild_tensor_v2` describes: a strided view of a storage (offset and strides in elements).
struct TensorView: Equatable {
    /// The storage, by index into `PickleMachine.storages`.
    let storage: Int
    /// The first element's index in the storage.
    let offset: Int
    /// The shape.
    let shape: [Int]
    /// The step in storage elements per index of each dimension.
    let strides: [Int]

    /// The number of elements.
    var count: Int { shape.reduce(1, *) }
    /// Whether the view is the row-major layout of its elements (strides of size-1 dimensions do not matter).
    var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }
}

/// Interprets one pickle as data: opcodes build values on a stack; globals resolve only to `PickleGlobal`; calls of
/// them are Retouch's own constructors; persistent ids become storage records. Nothing is imported or run.
///
/// Every read is bounds-checked by `ByteReader`, every pop checked against the stack and the current mark, and the
/// sizes in `PickleLimits` are enforced as values are made. Unknown opcodes, and the ones only code needs (the
/// copyreg extension registry, out-of-band buffers, text persistent ids), are refused by name.
struct PickleMachine {
    var heap = PickleHeap()
    var storages: [StorageRecord] = []
    var tensors: [TensorView] = []
    let limits: PickleLimits
    var storageIndex: [String: Int] = [:]
    private var elements = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// The opcode being run, for error messages.
    private var opcode = "?"

    init(limits: PickleLimits = PickleLimits()) { self.limits = limits }

    /// Runs the pickle at the reader's position up to its `STOP` and returns its value; the reader is left after it.
    /// The memo and stack are per pickle; the heap, storages and tensors accumulate (the legacy format reads several).
    mutating func run(_ reader: inout ByteReader) throws -> PickleValue {
        stack.removeAll()
        marks.removeAll()
        memo.removeAll()
        while true {
            let position = reader.offset
            let code = try reader.byte()
            guard let name = PickleOpcode.name(code) else {
                throw PickleProblem("\(reader.what): unknown pickle opcode 0x\(String(code, radix: 16)) at offset \(position)")
            }
            opcode = name
            do {
                if code == 0x2E {  // STOP
                    return try pop()
                }
                try step(code, &reader)
            } catch let problem as PickleProblem where !problem.message.hasPrefix("wants the global") && !problem.message.contains(" at offset ") {
                throw PickleProblem("\(reader.what): \(name) at offset \(position): \(problem.message)")
            }
        }
    }

    // MARK: Stack

    private mutating func push(_ value: PickleValue) throws {
        guard stack.count < limits.stackDepth else { throw PickleProblem("the stack grows past \(limits.stackDepth) values") }
        stack.append(value)
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw PickleProblem("pops an empty stack") }
        return stack.removeLast()
    }

    private func top() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else { throw PickleProblem("reads an empty stack") }
        return value
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw PickleProblem("has no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func count(_ added: Int) throws {
        elements += added
        guard elements <= limits.elements else { throw PickleProblem("builds more than \(limits.elements) values") }
    }

    // MARK: Containers

    mutating func makeTuple(_ items: [PickleValue]) throws -> PickleValue {
        try count(items.count + 1)
        heap.tuples.append(items)
        return .tuple(heap.tuples.count - 1)
    }

    private mutating func makeList(_ items: [PickleValue]) throws -> PickleValue {
        try count(items.count + 1)
        heap.lists.append(items)
        return .list(heap.lists.count - 1)
    }

    mutating func makeDict(_ pairs: [PickleValue]) throws -> PickleValue {
        try count(pairs.count + 1)
        guard pairs.count % 2 == 0 else { throw PickleProblem("has an odd number of items for a dict") }
        var dict = PickleDict()
        for i in stride(from: 0, to: pairs.count, by: 2) { dict.set(pairs[i], pairs[i + 1]) }
        heap.dicts.append(dict)
        return .dict(heap.dicts.count - 1)
    }

    mutating func makeSet(_ items: [PickleValue]) throws -> PickleValue {
        try count(items.count + 1)
        heap.sets.append(items)
        return .set(heap.sets.count - 1)
    }

    private mutating func setItems(_ pairs: [PickleValue]) throws {
        guard pairs.count % 2 == 0 else { throw PickleProblem("has an odd number of items for a dict") }
        guard case .dict(let index) = try top() else { throw PickleProblem("sets items on a \(try top().kind), not a dict") }
        try count(pairs.count)
        for i in stride(from: 0, to: pairs.count, by: 2) { heap.dicts[index].set(pairs[i], pairs[i + 1]) }
    }

    private mutating func append(_ items: [PickleValue]) throws {
        try count(items.count)
        switch try top() {
        case .list(let index): heap.lists[index] += items
        case .set(let index) where opcode == "ADDITEMS": heap.sets[index] += items
        case let other: throw PickleProblem("appends to a \(other.kind)")
        }
    }

    // MARK: Memo

    private mutating func put(_ index: Int) throws {
        if memo[index] == nil {
            guard memo.count < limits.memoEntries else { throw PickleProblem("memoizes more than \(limits.memoEntries) values") }
        }
        memo[index] = try top()
    }

    private mutating func get(_ index: Int) throws {
        guard let value = memo[index] else { throw PickleProblem("reads memo entry \(index), which was never stored") }
        try push(value)
    }

    // MARK: Opcodes

    private mutating func text(_ reader: inout ByteReader) throws -> [UInt8] { try reader.line(limit: limits.stringBytes) }

    private mutating func global(module: String, name: String) throws -> PickleValue {
        guard let global = PickleGlobal.resolve(module: module, name: name) else {
            throw PickleGlobal.refusal(module: module, name: name)
        }
        return .global(global)
    }

    private mutating func sized(_ reader: inout ByteReader, _ raw: UInt64) throws -> [UInt8] {
        try reader.bytes(reader.length(raw, limit: limits.stringBytes))
    }

    private mutating func string(_ reader: inout ByteReader, _ raw: UInt64) throws -> PickleValue {
        .string(try PickleText.utf8(sized(&reader, raw), opcode: opcode))
    }

    /// A Python 2 `str` (`STRING`/`BINSTRING`/`SHORT_BINSTRING`): text when it is UTF-8 (torch.load's encoding), else bytes.
    private func legacyString(_ bytes: [UInt8]) -> PickleValue {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? .string(text) : .bytes(bytes)
    }

    private mutating func step(_ code: UInt8, _ reader: inout ByteReader) throws {
        switch code {
        case 0x28:  // MARK
            guard marks.count < limits.marks else { throw PickleProblem("opens more than \(limits.marks) MARKs") }
            marks.append(stack.count)
        case 0x30:  // POP (of a value, or of a MARK at the top)
            if let mark = marks.last, mark == stack.count { marks.removeLast() } else { _ = try pop() }
        case 0x31: _ = try popMark()  // POP_MARK
        case 0x32: try push(try top())  // DUP
        case 0x46: try push(.float(try PickleText.float(text(&reader))))  // FLOAT
        case 0x49:  // INT (protocol 0 spells booleans I00 / I01)
            let line = try text(&reader)
            if line == Array("00".utf8) { try push(.bool(false)) } else if line == Array("01".utf8) { try push(.bool(true)) } else {
                try push(.int(try PickleText.integer(line, opcode: opcode)))
            }
        case 0x4A: try push(.int(Int(try reader.int32())))  // BININT
        case 0x4B: try push(.int(Int(try reader.byte())))  // BININT1
        case 0x4C: try push(.int(try PickleText.integer(text(&reader), opcode: opcode)))  // LONG
        case 0x4D: try push(.int(Int(try reader.uint16())))  // BININT2
        case 0x4E: try push(.none)  // NONE
        case 0x50: throw PickleProblem("uses a text persistent id, which torch.save never writes")  // PERSID
        case 0x51: try push(try persistentLoad(pop()))  // BINPERSID
        case 0x52:  // REDUCE
            let arguments = try pop()
            let callable = try pop()
            try push(try call(callable, arguments))
        case 0x53: try push(legacyString(try PickleText.quoted(text(&reader))))  // STRING
        case 0x54:  // BINSTRING
            let length = try reader.int32()
            guard length >= 0 else { throw PickleProblem("has a negative length \(length)") }
            try push(legacyString(try sized(&reader, UInt64(length))))
        case 0x55: try push(legacyString(try sized(&reader, UInt64(reader.byte()))))  // SHORT_BINSTRING
        case 0x56: try push(.string(try PickleText.rawUnicode(text(&reader))))  // UNICODE
        case 0x58: try push(try string(&reader, UInt64(reader.uint32())))  // BINUNICODE
        case 0x8C: try push(try string(&reader, UInt64(reader.byte())))  // SHORT_BINUNICODE
        case 0x8D: try push(try string(&reader, reader.uint64()))  // BINUNICODE8
        case 0x42: try push(.bytes(try sized(&reader, UInt64(reader.uint32()))))  // BINBYTES
        case 0x43: try push(.bytes(try sized(&reader, UInt64(reader.byte()))))  // SHORT_BINBYTES
        case 0x8E, 0x96: try push(.bytes(try sized(&reader, reader.uint64())))  // BINBYTES8, BYTEARRAY8
        case 0x61: try append([pop()])  // APPEND
        case 0x65, 0x90: try append(popMark())  // APPENDS, ADDITEMS
        case 0x62: try build(pop())  // BUILD
        case 0x63:  // GLOBAL
            let module = try PickleText.utf8(text(&reader), opcode: opcode)
            let name = try PickleText.utf8(text(&reader), opcode: opcode)
            try push(try global(module: module, name: name))
        case 0x93:  // STACK_GLOBAL
            guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                throw PickleProblem("needs a module and a name as strings")
            }
            try push(try global(module: module, name: name))
        case 0x69:  // INST
            let module = try PickleText.utf8(text(&reader), opcode: opcode)
            let name = try PickleText.utf8(text(&reader), opcode: opcode)
            let callable = try global(module: module, name: name)
            try push(try call(callable, makeTuple(popMark())))
        case 0x6F:  // OBJ
            var items = try popMark()
            guard !items.isEmpty else { throw PickleProblem("has no class to call") }
            let callable = items.removeFirst()
            try push(try call(callable, makeTuple(items)))
        case 0x81:  // NEWOBJ
            let arguments = try pop()
            let callable = try pop()
            try push(try call(callable, arguments))
        case 0x92:  // NEWOBJ_EX
            let keywords = try pop()
            let arguments = try pop()
            let callable = try pop()
            guard case .dict(let index) = keywords, heap.dicts[index].keys.isEmpty else {
                throw PickleProblem("passes keyword arguments, which no allowed type takes")
            }
            try push(try call(callable, arguments))
        case 0x64: try push(try makeDict(popMark()))  // DICT
        case 0x7D: try push(try makeDict([]))  // EMPTY_DICT
        case 0x6C: try push(try makeList(popMark()))  // LIST
        case 0x5D: try push(try makeList([]))  // EMPTY_LIST
        case 0x74: try push(try makeTuple(popMark()))  // TUPLE
        case 0x29: try push(try makeTuple([]))  // EMPTY_TUPLE
        case 0x85: try push(try makeTuple([pop()]))  // TUPLE1
        case 0x86:  // TUPLE2
            let second = try pop()
            try push(try makeTuple([pop(), second]))
        case 0x87:  // TUPLE3
            let third = try pop()
            let second = try pop()
            try push(try makeTuple([pop(), second, third]))
        case 0x8F: try push(try makeSet([]))  // EMPTY_SET
        case 0x91: try push(try makeSet(popMark()))  // FROZENSET
        case 0x73:  // SETITEM
            let value = try pop()
            let key = try pop()
            try setItems([key, value])
        case 0x75: try setItems(popMark())  // SETITEMS
        case 0x67: try get(PickleText.index(text(&reader), opcode: opcode))  // GET
        case 0x68: try get(Int(reader.byte()))  // BINGET
        case 0x6A: try get(Int(reader.uint32()))  // LONG_BINGET
        case 0x70: try put(PickleText.index(text(&reader), opcode: opcode))  // PUT
        case 0x71: try put(Int(reader.byte()))  // BINPUT
        case 0x72: try put(Int(reader.uint32()))  // LONG_BINPUT
        case 0x94: try put(memo.count)  // MEMOIZE
        case 0x47: try push(.float(try reader.bigEndianDouble()))  // BINFLOAT
        case 0x80:  // PROTO
            let version = try reader.byte()
            guard version <= 5 else { throw PickleProblem("declares pickle protocol \(version); Retouch reads protocols 0 to 5") }
        case 0x88: try push(.bool(true))  // NEWTRUE
        case 0x89: try push(.bool(false))  // NEWFALSE
        case 0x8A: try push(PickleText.long(try reader.bytes(Int(reader.byte()))))  // LONG1
        case 0x8B:  // LONG4
            let length = try reader.int32()
            guard length >= 0 else { throw PickleProblem("has a negative length \(length)") }
            try push(PickleText.long(try sized(&reader, UInt64(length))))
        case 0x95:  // FRAME: a length prefix for buffering; the opcodes inside are read as usual
            let length = try reader.uint64()
            guard length <= UInt64(reader.remaining) else { throw PickleProblem("announces a \(length)-byte frame, more than the \(reader.remaining) bytes left") }
        case 0x98: _ = try top()  // READONLY_BUFFER: marks the top buffer read-only
        case 0x82, 0x83, 0x84:
            throw PickleProblem("uses the copyreg extension registry, which resolves to globals Retouch cannot check; nothing was run")
        case 0x97: throw PickleProblem("wants an out-of-band buffer, which torch.save never writes")
        default: throw PickleProblem("is not implemented")
        }
    }

    /// `BUILD`: an OrderedDict's attributes (a state dict's `_metadata`) are not items and are dropped; BUILD on
    /// anything else would call its `__setstate__` and is refused.
    private mutating func build(_ state: PickleValue) throws {
        switch try top() {
        case .dict: return
        case let other: throw PickleProblem("sets the state of a \(other.kind), which is not data Retouch reads")
        }
    }
}
