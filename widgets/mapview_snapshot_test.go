package widgets

import (
	"image/png"
	"os"
	"testing"
)

// TestMapSnapshot writes the 1920×1080 district frame with 10 k features to
// the PNG file named by MAP_SNAPSHOT, for looking at the map by eye. It is
// skipped when the variable is unset.
func TestMapSnapshot(t *testing.T) {
	path := os.Getenv("MAP_SNAPSHOT")
	if path == "" {
		t.Skip("set MAP_SNAPSHOT=file.png to write a snapshot")
	}
	m := newLoadedMap(t, 10_000, benchWidth, benchHeight)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, m.render(benchWidth, benchHeight)); err != nil {
		t.Fatal(err)
	}
}
