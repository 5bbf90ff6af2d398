//go:build !unix

package widgets

import "time"

// mapProcessCPUTime is not measured on this platform.
func mapProcessCPUTime() (time.Duration, bool) { return 0, false }
