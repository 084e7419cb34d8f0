import Foundation
/// Reading one plain pickle as data, for tests and tools: its value written as Python's `repr` would write it.
public enum PickleReader {
    /// The `repr` of the object pickled in `bytes` (one pickle, any protocol 0–5), or an error naming `path`.
    /// Tensors and storages print as `<tensor>` and `<storage>`; containers are followed at most `limits.nesting` deep.
    public static func pythonRepr(of bytes: [UInt8], path: String, limits: PickleLimits = PickleLimits()) throws -> String {
        try bytes.withUnsafeBytes { buffer in
            var reader = ByteReader(base: buffer.baseAddress, start: 0, end: buffer.count, what: "the pickle")
            var machine = PickleMachine(limits: limits)
            do {
                let value = try machine.run(&reader)
                return try repr(value, machine: machine, depth: 0)
            } catch let problem as PickleProblem {
                throw PickleError(file: path, problem: problem.message)
            }
        }
    }

    private static func repr(_ value: PickleValue, machine: PickleMachine, depth: Int) throws -> String {
        guard depth < machine.limits.nesting else { throw PickleProblem("nests containers more than \(machine.limits.nesting) deep") }
        func all(_ values: [PickleValue]) throws -> [String] { try values.map { try repr($0, machine: machine, depth: depth + 1) } }
        switch value {
        case .none: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .bigInt(let bytes): return "<int of \(bytes.count) bytes>"
        case .float(let number):
            if number.isNaN { return "nan" }
            if number.isInfinite { return number < 0 ? "-inf" : "inf" }
            return "\(number)"
        case .string(let text): return "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case .bytes(let bytes):
            return "b'" + bytes.map { byte -> String in
                switch byte {
                case 0x5C: return "\\\\"
                case 0x27: return "\\'"
                case 0x09: return "\\t"
                case 0x0A: return "\\n"
                case 0x0D: return "\\r"
                case 0x20..<0x7F: return String(UnicodeScalar(byte))
                default: return "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
                }
            }.joined() + "'"
        case .tuple(let index):
            let items = try all(machine.heap.tuples[index])
            return items.count == 1 ? "(\(items[0]),)" : "(" + items.joined(separator: ", ") + ")"
        case .list(let index): return "[" + (try all(machine.heap.lists[index])).joined(separator: ", ") + "]"
        case .set(let index):
            let items = try all(machine.heap.sets[index])
            return items.isEmpty ? "set()" : "{" + items.joined(separator: ", ") + "}"
        case .dict(let index):
            let dict = machine.heap.dicts[index]
            let pairs = try zip(all(dict.keys), all(dict.values)).map { "\($0): \($1)" }
            return "{" + pairs.joined(separator: ", ") + "}"
        case .global: return "<global>"
        case .storage: return "<storage>"
        case .tensor: return "<tensor>"
        }
    }
}
