/// Why a storage call was refused; the router maps each case onto a status code and `detail`.
enum StorageError: Error, Sendable, Hashable {
  case unknownUpload
  case missingPart(Int)
  case etagMismatch(Int)
  case noParts
  case io(String)

  var httpStatus: Int {
    switch self {
    case .unknownUpload: 404
    case .missingPart, .etagMismatch, .noParts: 400
    case .io: 500
    }
  }

  var detail: String {
    switch self {
    case .unknownUpload: "Upload not found"
    case .missingPart(let number): "Part \(number) was not uploaded"
    case .etagMismatch(let number): "ETag of part \(number) does not match"
    case .noParts: "No parts to complete"
    case .io(let reason): "Storage failure: \(reason)"
    }
  }
}
