package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onescreen/cache"
)

// TestCacheProblemsAreClearErrors: a cache file that is not a database, or
// one locked by another instance, stops the app with a clear message; the
// file is never replaced by a new one.
func TestCacheProblemsAreClearErrors(t *testing.T) {
	t.Run("not a database", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, cache.FileName)
		junk := []byte("these are the minutes of the shift handover, not a database\n")
		if err := os.WriteFile(path, junk, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		err := run([]string{"--headless", "--data", dir, "--feed", "ws://127.0.0.1:1/v1/stream"}, &out, &errOut)
		if !errors.Is(err, cache.ErrNotDatabase) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("got %v; want ErrNotDatabase naming the directory", err)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
			t.Error("the file was changed")
		}
	})
	t.Run("locked by another instance", func(t *testing.T) {
		dir := t.TempDir()
		db, err := cache.Open(dir, cache.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var out, errOut bytes.Buffer
		err = run([]string{"--headless", "--data", dir, "--feed", "ws://127.0.0.1:1/v1/stream"}, &out, &errOut)
		if !errors.Is(err, cache.ErrLocked) {
			t.Fatalf("got %v; want ErrLocked", err)
		}
	})
}

func TestBadFlagsAreClearErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--lang", "fr"}, "--lang"},
		{[]string{"--config", "/nonexistent/onescreen.toml"}, "site config"},
		{[]string{"stray"}, "unexpected argument"},
		{[]string{"--snapshot-every", "10m"}, "--snapshot-dir"},
		{[]string{"--snapshot-every", "100ms", "--snapshot-dir", "x"}, "at least 1s"},
		{[]string{"--wall", "--wall-rotate", "200ms"}, "--wall-rotate"},
		{[]string{"--snapshot-keep", "-1"}, "--snapshot-keep -1"},
		{[]string{"export"}, "export what"},
		{[]string{"export", "readings", "--feed", "weather", "--data", "x"}, "unknown feed"},
		{[]string{"export", "readings", "--from", "yesterday", "--data", "x"}, "--from"},
		{[]string{"export", "handover", "--feed", "air", "--data", "x"}, "--feed applies to export"},
		{[]string{"export", "rota", "--data", "x"}, "handover or dutylog"},
	} {
		var out, errOut bytes.Buffer
		err := run(tc.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// TestExportDutyCSV: export handover and export dutylog read a cache and
// write their CSV header (and rows) to standard output.
func TestExportDutyCSV(t *testing.T) {
	dir := t.TempDir()
	db, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for what, header := range map[string]string{"handover": "shift,from,to,opened", "dutylog": "time,officer,shift,text"} {
		var out, errOut bytes.Buffer
		if err := run([]string{"export", what, "--data", dir, "--from", "2026-09-22 08:00"}, &out, &errOut); err != nil {
			t.Fatalf("export %s: %v", what, err)
		}
		if !strings.HasPrefix(out.String(), header) {
			t.Errorf("export %s wrote %q", what, out.String())
		}
	}
}
