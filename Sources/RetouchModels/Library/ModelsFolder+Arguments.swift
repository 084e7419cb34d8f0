import Foundation

extension ModelsFolder {
    /// Where a user's model argument points: an existing path as given; else a name of `kind` in `folder`; else
    /// (checkpoints only) a Hugging Face id `org/name`, left for the hub cache to resolve.
    ///
    /// - Throws: `ModelLoadingError` when there is no models folder to look in and no such path, or when the
    ///   folder has no such model.
    public static func locate(_ argument: String, kind: ModelKind, in folder: ModelsFolder?) throws -> String {
        let path = (argument as NSString).expandingTildeInPath
        if FileManager.default.fileExists(atPath: path) { return path }
        guard let folder else {
            if kind == .checkpoint, HFCacheResolver.isRepositoryID(argument) { return argument }
            throw ModelLoadingError(origin: argument, problem: "no such file or folder" +
                                        (kind == .checkpoint ? ", and not a Hugging Face id (org/name)" : "") +
                                        "; to use a name from a models folder, give --models-dir or set \(environmentVariable)")
        }
        do {
            return try folder.resolve(argument, kind: kind).path
        } catch let error as ModelLoadingError where kind == .checkpoint && HFCacheResolver.isRepositoryID(argument)
                    && error.problem.hasPrefix("no checkpoint named") {
            return argument
        }
    }
}
