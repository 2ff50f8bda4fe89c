import CCurl
import Foundation
import Testing

/// Which libcurl the process opens: the GnuTLS flavour before the OpenSSL one, the next name when
/// one is missing, and a failure that names every library tried.
@Suite struct CurlLibraryTests {
  /// libcurl3-gnutls is installed (scripts/ensure-deps), so its libcurl is the one in use: the
  /// OpenSSL flavour initialises OpenSSL on `curl_global_init`, ~3 MB more in every CLI run.
  @Test func theGnuTLSFlavourIsOpened() {
    #expect(ccurl_load() == nil)
    let version = String(cString: curl_version())
    #expect(version.contains("GnuTLS"), "\(version)")
    #expect(!version.contains("OpenSSL"), "\(version)")
  }

  @Test func aMissingLibraryFallsBackToTheNext() {
    let outcome = Self.openFirst(["libmagi-missing.so.9", "libc.so.6"])
    #expect(outcome.opened == "libc.so.6")
    #expect(outcome.message.contains("libmagi-missing.so.9"), "the failed one is still reported: \(outcome.message)")
  }

  @Test func aFailureNamesEveryLibraryTried() {
    let outcome = Self.openFirst(["libmagi-missing-a.so.9", "libmagi-missing-b.so.9"])
    #expect(outcome.opened == nil)
    #expect(outcome.message.contains("libmagi-missing-a.so.9"), "\(outcome.message)")
    #expect(outcome.message.contains("; libmagi-missing-b.so.9"), "\(outcome.message)")
  }

  /// `ccurl_open_first` over `names`: the name it opened (nil for none) and its message.
  static func openFirst(_ names: [String]) -> (opened: String?, message: String) {
    let copies = names.map { UnsafePointer(strdup($0)) }
    defer { for copy in copies { free(UnsafeMutablePointer(mutating: copy)) } }
    var opened: UnsafePointer<CChar>?
    var message = [CChar](repeating: 0, count: 400)
    let handle = copies.withUnsafeBufferPointer { list in
      ccurl_open_first(list.baseAddress, list.count, &opened, &message, message.count)
    }
    if let handle { dlclose(handle) }
    let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return (handle == nil ? nil : opened.map { String(cString: $0) }, text)
  }
}
