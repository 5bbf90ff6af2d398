package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"onescreen/city"
	"onescreen/feeds"
)

// TestSiteConfigWithEscalationOffIsKept: "0s" turns escalation off
// (docs/config.md); such a file must reach the alert engine as written,
// not be mistaken for an empty configuration and replaced by the defaults.
func TestSiteConfigWithEscalationOffIsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "site.toml")
	conf := "[alerts]\nescalate_after = \"0s\"\n\n[fire]\nheartbeat_timeout = \"3m\"\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	site, err := LoadSiteConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Start(context.Background(), Options{DataDir: filepath.Join(dir, "data"), Site: &site,
		FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	got := rt.Site()
	if got.Alerts.EscalateAfter != 0 || got.Fire.HeartbeatTimeout != 3*time.Minute {
		t.Errorf("runtime judges with escalate_after %v, heartbeat_timeout %v; want 0s and 3m from the file",
			got.Alerts.EscalateAfter, got.Fire.HeartbeatTimeout)
	}
	if def := city.DefaultSiteConfig(); def.Alerts.EscalateAfter == 0 {
		t.Fatal("the test needs a default escalation period to tell the two apart")
	}
	if _, err := LoadSiteConfig(writeFile(t, dir, "bad.toml", "[alerts]\nescalate_afterr = \"5m\"\n")); err == nil {
		t.Error("a misspelt key was accepted")
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
