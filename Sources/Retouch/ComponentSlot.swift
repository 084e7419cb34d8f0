import Foundation

/// One model component held in memory, or released and loaded again from its files when next asked for.
final class ComponentSlot<Component: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var cached: Component?
    private let reload: (@Sendable () throws -> Component)?
    private let name: String

    /// A slot holding `component`; with `reload`, it can be released and loaded again.
    init(_ component: Component, name: String, reload: (@Sendable () throws -> Component)? = nil) {
        cached = component
        self.reload = reload
        self.name = name
    }

    /// The component, loaded again if it was released. The files were read successfully once; if they have been
    /// changed or removed since, the run cannot continue.
    var value: Component {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        do {
            let component = try reload!()
            cached = component
            return component
        } catch {
            fatalError("error: cannot load the \(name) again (were the model files changed during the run?): \(error)")
        }
    }

    /// Drops the component from memory when it can be loaded again; true when it was dropped.
    @discardableResult
    func release() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard reload != nil, cached != nil else { return false }
        cached = nil
        return true
    }
}
