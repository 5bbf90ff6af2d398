package version

import (
	"runtime"
	"strings"
	"testing"
)

func TestStringDefaultsToDev(t *testing.T) {
	old := Version
	defer func() { Version = old }()
	Version = ""
	if got := String(); got != "dev" {
		t.Fatalf("String() with no version = %q, want dev", got)
	}
	Version = "v1.2.3-4-gdeadbee-dirty"
	if got := String(); got != "v1.2.3-4-gdeadbee-dirty" {
		t.Fatalf("String() = %q", got)
	}
	long := Long("onescreen")
	for _, want := range []string{"onescreen v1.2.3-4-gdeadbee-dirty", runtime.GOOS + "/" + runtime.GOARCH, runtime.Version()} {
		if !strings.Contains(long, want) {
			t.Errorf("Long() = %q, missing %q", long, want)
		}
	}
}
