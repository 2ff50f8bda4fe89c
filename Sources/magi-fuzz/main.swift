import Foundation
import FuzzTargets

#if canImport(Glibc)
  import Glibc
#endif

// `magi-fuzz`: runs the fuzz targets for as long as asked (see `scripts/fuzz --help`).
//
// Each target runs in a child process (`magi-fuzz child …`) that writes every input to a file
// before running it, so a trap (overflow, stack overflow, bad conversion) leaves the guilty input
// behind: the parent then keeps it as `Tests/FuzzCorpus/<target>/crash-<hash>` and goes on with the
// next seed. Built with `-D MAGI_LIBFUZZER -sanitize=fuzzer` the same binary is a libFuzzer driver.

#if MAGI_LIBFUZZER
  LibFuzzerMain.run()
#else
  await FuzzCommand.main(Array(CommandLine.arguments.dropFirst()))
#endif
