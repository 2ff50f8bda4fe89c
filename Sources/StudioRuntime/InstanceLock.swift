#if canImport(Glibc)
  import Glibc
#endif

/// At most one studio per data directory follows jobs; the lock goes with the process.
public enum InstanceLock {
  /// True when this process now holds the lock (or no lock file can be made: a data directory
  /// this studio cannot write is reported elsewhere, and following jobs is then still its job).
  public static func acquire(in directory: String) -> Bool {
    let fd = open(directory + "/studio.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return true }
    // Kept open (and locked) for the life of the process on purpose; a lock not got is not kept.
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      close(fd)
      return false
    }
    return true
  }
}
