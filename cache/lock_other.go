//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cache

// dirLock is the O_EXCL lock file where flock(2) is not available.
type dirLock = exclLock

// lockDir takes the lock at path or fails with ErrLocked.
func lockDir(path string) (*dirLock, error) { return lockExcl(path) }
