/// fal's output `File` object.
public struct FalFile: Sendable, Codable, Hashable {
  public var url: String
  public var contentType: String?
  public var fileName: String?
  public var fileSize: Int?

  public init(url: String, contentType: String? = nil, fileName: String? = nil, fileSize: Int? = nil) {
    self.url = url
    self.contentType = contentType
    self.fileName = fileName
    self.fileSize = fileSize
  }

  enum CodingKeys: String, CodingKey {
    case url
    case contentType = "content_type"
    case fileName = "file_name"
    case fileSize = "file_size"
  }
}

/// The output of every MAGI-1 endpoint: the video and the seed it used.
public struct VideoOutput: Sendable, Codable, Hashable {
  public var video: FalFile
  public var seed: Int

  public init(video: FalFile, seed: Int) {
    self.video = video
    self.seed = seed
  }
}
