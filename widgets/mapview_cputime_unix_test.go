//go:build unix

package widgets

import (
	"syscall"
	"time"
)

// mapProcessCPUTime is the CPU time (user + system) the test process has used.
// On a machine shared with other work it measures the map's own cost where
// wall-clock time also counts the waits for a core.
func mapProcessCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
