// Package version holds the release of this build. The Makefile sets
// Version from `git describe --tags --always --dirty`:
//
//	go build -ldflags "-X onescreen/internal/version.Version=v0.1.0-3-gabc1234" …
//
// A plain `go build` leaves it "dev".
package version

import (
	"fmt"
	"runtime"
)

// Version is the release, set at link time; "dev" when it was not.
var Version = "dev"

// String is the version as the About box and --version show it.
func String() string {
	if Version == "" {
		return "dev"
	}
	return Version
}

// Long is String with the Go release and the platform, for --version.
func Long(program string) string {
	return fmt.Sprintf("%s %s (%s, %s/%s)", program, String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
