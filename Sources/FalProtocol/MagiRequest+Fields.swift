extension MagiRequest {
  /// The request a variation's (or a batch file line's) body describes: the fields it holds, the
  /// rest left to fal's defaults.
  public init(endpoint: MagiEndpoint, fields: [String: JSONValue]) {
    self.init(
      endpoint: endpoint, prompt: fields["prompt"]?.stringValue ?? "",
      sourceURL: endpoint.mode.sourceField.flatMap { fields[$0]?.stringValue },
      numFrames: fields["num_frames"]?.intValue, seed: fields["seed"]?.intValue,
      resolution: fields["resolution"]?.stringValue, numInferenceSteps: fields["num_inference_steps"]?.intValue,
      enableSafetyChecker: fields["enable_safety_checker"].flatMap { if case .bool(let on) = $0 { on } else { nil } },
      aspectRatio: fields["aspect_ratio"]?.stringValue, startFrame: fields["start_frame"]?.intValue)
  }
}
