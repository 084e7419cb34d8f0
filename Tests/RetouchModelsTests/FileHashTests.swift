import Foundation
import Testing
import RetouchFiles
import RetouchTestSupport

/// SHA-256 of files and bytes, as A1111's hashes use it (values from coreutils' `sha256sum`).
@Suite("File hashes")
struct FileHashTests {
    @Test("the digest of bytes is SHA-256's (FIPS 180-2 test vector 'abc')")
    func bytes() {
        #expect(FileHash.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("a file's digest and short hash equal sha256sum's")
    func file() throws {
        let url = Fixtures.url("photos/coffee.png")
        #expect(try FileHash.sha256(of: url) == "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7")
        #expect(try FileHash.shortHash(of: url) == "cc02f8ca18")
    }

    @Test("a digest from an offset hashes the rest of the file")
    func offset() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("f.bin")
        try Data("xyzabc".utf8).write(to: url)
        #expect(try FileHash.sha256(of: url, from: 3) == FileHash.sha256(Array("abc".utf8)))
        #expect(throws: FileProblem.self) { try FileHash.sha256(of: url, from: 7) }
    }
}
