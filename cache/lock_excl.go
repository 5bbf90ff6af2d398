package cache

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
)

// exclLock is a lock file created with O_EXCL and held open while the
// cache is open: the lock of systems without flock(2), such as Windows.
type exclLock struct {
	f    *os.File
	path string
}

// lockExcl takes the lock at path or fails with ErrLocked.
func lockExcl(path string) (*exclLock, error) {
	if runtime.GOOS == "windows" {
		// Windows refuses to delete a file another process holds open, so
		// this removes only a lock left behind by a crashed instance.
		_ = os.Remove(path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s exists (delete it if no onescreen is running): %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return &exclLock{f: f, path: path}, nil
}

// release closes and removes the lock file.
func (l *exclLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := errors.Join(l.f.Close(), os.Remove(l.path))
	l.f = nil
	return err
}
