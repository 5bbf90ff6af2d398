//go:build linux

package sound

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoALSADeviceThroughTheLibrary opens the real default output with the
// audio library, in a child process whose ALSA configuration names a sound
// card that does not exist, as on a PC with no sound card: the player must
// report ErrNoDevice once, with ALSA's reason. (That Play does not wait for
// the device is TestPlayDoesNotWaitForTheDevice.)
func TestNoALSADeviceThroughTheLibrary(t *testing.T) {
	if os.Getenv("ONESCREEN_SOUND_CHILD") == "1" {
		var reports []error
		done := make(chan struct{})
		p := New(Options{OnError: func(err error) { reports = append(reports, err); close(done) }})
		for i := 0; i < 3; i++ {
			p.Play(Critical)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("no error reported within 10s")
		}
		time.Sleep(100 * time.Millisecond)
		p.Play(Major)
		time.Sleep(100 * time.Millisecond)
		if len(reports) != 1 || !errors.Is(reports[0], ErrNoDevice) {
			t.Fatalf("reports %v, want one ErrNoDevice", reports)
		}
		os.Stdout.WriteString("REPORTED " + reports[0].Error() + "\n")
		return
	}
	conf := filepath.Join(t.TempDir(), "asound.conf")
	if err := os.WriteFile(conf, []byte("pcm.!default { type hw card 97 }\nctl.!default { type hw card 97 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestNoALSADeviceThroughTheLibrary$", "-test.v")
	cmd.Env = append(os.Environ(), "ONESCREEN_SOUND_CHILD=1", "ALSA_CONFIG_PATH="+conf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	line := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "REPORTED ") {
			line = l
		}
	}
	if !strings.Contains(line, "no audio device") || !strings.Contains(line, "snd_pcm_open") {
		t.Fatalf("the child reported %q, want the no-device error with ALSA's reason\n%s", line, out)
	}
	t.Log(line)
}
