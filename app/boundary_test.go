package app

import (
	"onescreen/internal/testutil"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPackageBoundaries holds the split of the application to its plan:
// the desk, the ingest and the exports link no Fyne; the desk links no
// database driver and no transport (it stores through an interface the
// cache satisfies); the screen and the widgets link neither the SQLite
// driver nor a transport. It reads what each package links as the go
// command reports it, so a new import anywhere below breaks it.
func TestPackageBoundaries(t *testing.T) {
	const (
		fyne      = "fyne.io/fyne/v2"
		sqlite    = "github.com/mattn/go-sqlite3"
		websocket = "github.com/gorilla/websocket"
		nats      = "github.com/nats-io/nats.go"
	)
	rules := []struct {
		pkg    string
		denied []string
	}{
		{"onescreen/app/desk", []string{fyne, sqlite, websocket, nats}},
		{"onescreen/app/ingest", []string{fyne}},
		{"onescreen/app/export", []string{fyne}},
		{"onescreen/app", []string{fyne}},
		{"onescreen/app/ui", []string{sqlite, websocket, nats}},
		{"onescreen/widgets", []string{sqlite, websocket, nats}},
		{"onescreen/cache/model", []string{fyne, sqlite, websocket, nats}},
		{"onescreen/feeds/wire", []string{fyne, sqlite, websocket, nats}},
		{"onescreen/city", []string{fyne, sqlite, websocket, nats}},
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, r := range rules {
		out, err := exec.Command(gobin, "list", "-deps", "-tags", testutil.AppTags, r.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", r.pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 2 {
			t.Fatalf("go list -deps %s listed %d packages; want the package and what it links", r.pkg, len(deps))
		}
		for _, d := range deps {
			for _, bad := range r.denied {
				if d == bad || strings.HasPrefix(d, bad+"/") {
					t.Errorf("%s links %s", r.pkg, d)
				}
			}
		}
	}
}
