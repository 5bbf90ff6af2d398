package ui

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"onescreen/assets"
	"onescreen/internal/testutil"
)

// langCall finds lang.L("…") calls with a literal key.
var langCall = regexp.MustCompile(`lang\.L\(("(?:[^"\\]|\\.)*")`)

// TestEveryUIStringTranslated scans the Go sources for lang.L keys and
// checks that the Chinese bundle has each one, so no string shows up in
// English (or logs a translation failure) in the Chinese interface.
func TestEveryUIStringTranslated(t *testing.T) {
	b, err := fs.ReadFile(assets.Translations, "translations/onescreen.zh_Hans.json")
	if err != nil {
		t.Fatal(err)
	}
	var zh map[string]string
	if err := json.Unmarshal(b, &zh); err != nil {
		t.Fatalf("zh bundle: %v", err)
	}
	root := testutil.RepoRoot(t)
	keys := map[string]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range langCall.FindAllStringSubmatch(string(src), -1) {
			k, err := strconv.Unquote(m[1])
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			keys[k] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d lang.L keys; the scan is broken", len(keys))
	}
	for k, path := range keys {
		if strings.TrimSpace(zh[k]) == "" {
			t.Errorf("%s: lang.L(%q) has no Chinese translation", filepath.Base(path), k)
		}
	}
}

func TestSetLanguageSwitches(t *testing.T) {
	t.Setenv("LC_ALL", "C")
	t.Setenv("LANG", "C")
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
	if got := lang.L("Fit district"); got != "适配辖区" {
		t.Errorf("zh: got %q", got)
	}
	if err := SetLanguage(LangEN); err != nil {
		t.Fatal(err)
	}
	if got := lang.L("Fit district"); got != "Fit district" {
		t.Errorf("en: got %q", got)
	}
	if err := SetLanguage("fr"); err == nil {
		t.Error("an unknown language was accepted")
	}
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
}
