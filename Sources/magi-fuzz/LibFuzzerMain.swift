#if MAGI_LIBFUZZER
  import Foundation
  import FuzzTargets

  /// libFuzzer's entry point, from the runtime `-sanitize=fuzzer` links (its own `main` is not used,
  /// ours is, so the target can be chosen before the driver starts).
  @_silgen_name("LLVMFuzzerRunDriver")
  func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32

  /// The target named by `MAGI_FUZZ_TARGET`, chosen once before the driver starts.
  let libFuzzerTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MAGI_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.named(name) else {
      FuzzCommand.fail("MAGI_FUZZ_TARGET must name a target: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
    }
    return target
  }()

  /// libFuzzer's per-input entry point. Our `main` starts the driver itself (``LibFuzzerMain``), but
  /// the runtime's own `main`, which calls this, is linked in too (SwiftPM renames ours), so both exist.
  @_cdecl("LLVMFuzzerTestOneInput")
  public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    LibFuzzerMain.runOne(data, size)
  }

  enum LibFuzzerMain {
    static func runOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
      let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
      // Targets are async (the history store is an actor): run to completion before returning.
      let done = DispatchSemaphore(value: 0)
      Task.detached {
        await libFuzzerTarget.run(bytes)
        done.signal()
      }
      done.wait()
      return 0
    }

    static func run() -> Never {
      _ = libFuzzerTarget
      var argc = CommandLine.argc
      var argv = CommandLine.unsafeArgv
      let status = llvmFuzzerRunDriver(&argc, &argv) { data, size in LibFuzzerMain.runOne(data, size) }
      exit(status)
    }
  }
#endif
