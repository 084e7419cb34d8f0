import CCrypto
import Foundation

/// SHA-256 digests of files, as AUTOMATIC1111 shows them: the full hex digest, and its first 10 hex digits
/// ("short hash": `Model hash`, `VAE hash`, `retouch models`).
public enum FileHash {
    /// Bytes read per call while hashing.
    static let chunk = 4 << 20

    /// The lowercase hex SHA-256 of the regular file at `url`, from byte `offset` to the end (A1111 hashes LoRA
    /// safetensors both whole and from after the header).
    public static func sha256(of url: URL, from offset: Int = 0) throws -> String {
        let (descriptor, size) = try InputFile.openRegular(url.path, what: "file")
        defer { close(descriptor) }
        guard offset >= 0, offset <= size else { throw FileProblem(file: url.path, problem: "hash offset \(offset) is outside the file") }
        guard let context = EVP_MD_CTX_new() else { throw FileProblem(file: url.path, problem: "cannot start a SHA-256 digest") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            throw FileProblem(file: url.path, problem: "cannot start a SHA-256 digest")
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        var position = offset
        while true {
            let count = pread(descriptor, buffer, chunk, off_t(position))
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw FileProblem(file: url.path, problem: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            EVP_DigestUpdate(context, buffer, count)
            position += count
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return hex(digest.prefix(Int(length)))
    }

    /// The SHA-256 of `bytes`, lowercase hex.
    public static func sha256(_ bytes: some Collection<UInt8>) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let data = Array(bytes)
        _ = data.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
        return hex(digest.prefix(Int(length)))
    }

    /// A1111's short hash: the first 10 hex digits of the file's SHA-256.
    public static func shortHash(of url: URL) throws -> String { String(try sha256(of: url).prefix(10)) }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
