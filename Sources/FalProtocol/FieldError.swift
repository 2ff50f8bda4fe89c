/// One entry of a 422 `detail` array, as fal's (Pydantic) apps write it.
public struct FieldError: Sendable, Codable, Hashable, CustomStringConvertible {
  /// `["body", "num_frames"]`; integers for list indices are kept as strings.
  public var loc: [String]
  public var msg: String
  public var type: String
  public var input: JSONValue?
  public var ctx: JSONValue?

  public init(loc: [String], msg: String, type: String, input: JSONValue? = nil, ctx: JSONValue? = nil) {
    self.loc = loc
    self.msg = msg
    self.type = type
    self.input = input
    self.ctx = ctx
  }

  /// The field the error is about: the last `loc` element that is not `body`.
  public var field: String {
    loc.last(where: { $0 != "body" }) ?? "body"
  }

  public var description: String { "\(field): \(msg)" }

  enum CodingKeys: String, CodingKey { case loc, msg, type, input, ctx }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let rawLoc = try container.decodeIfPresent([JSONValue].self, forKey: .loc) ?? []
    loc = rawLoc.map { element in
      switch element {
      case .string(let value): value
      case .int(let value): String(value)
      default: "?"
      }
    }
    msg = try container.decodeIfPresent(String.self, forKey: .msg) ?? "invalid value"
    type = try container.decodeIfPresent(String.self, forKey: .type) ?? "value_error"
    input = try container.decodeIfPresent(JSONValue.self, forKey: .input)
    ctx = try container.decodeIfPresent(JSONValue.self, forKey: .ctx)
  }
}

/// A 422 body: `{"detail": [FieldError]}`.
public struct ValidationErrorBody: Sendable, Codable, Hashable {
  public var detail: [FieldError]
  public init(detail: [FieldError]) { self.detail = detail }
}
