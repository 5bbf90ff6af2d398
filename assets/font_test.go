package assets

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/go-text/typesetting/font"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// repoRoot is the repository root relative to this package.
const repoRoot = ".."

// maxFontBytes bounds each embedded face (about 3.5 MB).
const maxFontBytes = 3_700_000

// uiSymbols are the non-Chinese symbols the UI draws with the text font.
const uiSymbols = "°µ³²≥≤→←↑↓·×±‰▲▼△▽●○■□◆◇★☆ⅠⅡⅢⅣⅤ℃、。，：；！？（）【】《》“”‘’…—"

// needsBundledFont reports whether r is a character Fyne's own font lacks
// and the bundled one must carry: hanzi, CJK punctuation, full-width forms
// and the Roman numerals of water classes.
func needsBundledFont(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303F) || // CJK symbols and punctuation
		(r >= 0xFF00 && r <= 0xFFEF) || // half-width and full-width forms
		(r >= 0x2160 && r <= 0x217F) // Roman numerals
}

func parseFaces(t *testing.T) map[string]*font.Face {
	t.Helper()
	faces := map[string]*font.Face{}
	for name, data := range map[string][]byte{"regular": fontRegular, "bold": fontBold} {
		f, err := font.ParseTTF(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s face: %v", name, err)
		}
		faces[name] = f
	}
	return faces
}

// repositoryRunes returns the characters of the repository's Go files and
// the embedded geodata that need the bundled font, each with a file using it.
func repositoryRunes(t *testing.T) map[rune]string {
	t.Helper()
	found := map[rune]string{}
	scan := func(path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(data) {
			t.Errorf("%s is not UTF-8", path)
			return
		}
		for _, r := range string(data) {
			if needsBundledFont(r) {
				if _, ok := found[r]; !ok {
					found[r] = path
				}
			}
		}
	}
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != repoRoot && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			scan(path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	geo, err := filepath.Glob("geo/*.geojson")
	if err != nil || len(geo) == 0 {
		t.Fatalf("no embedded geodata found (%v)", err)
	}
	for _, path := range geo {
		scan(path)
	}
	return found
}

// TestFontCoversRepository fails when a Go file or the embedded geodata
// uses a character the bundled font lacks. Fix: python3 assets/fonts/subset.py
func TestFontCoversRepository(t *testing.T) {
	faces := parseFaces(t)
	found := repositoryRunes(t)
	if len(found) < 50 {
		t.Fatalf("found only %d Chinese characters in the repository; is the scan broken?", len(found))
	}
	for _, r := range uiSymbols {
		found[r] = "the UI symbol list"
	}
	runes := make([]rune, 0, len(found))
	for r := range found {
		runes = append(runes, r)
	}
	sort.Slice(runes, func(i, j int) bool { return runes[i] < runes[j] })
	for name, f := range faces {
		var missing []string
		for _, r := range runes {
			if _, ok := f.NominalGlyph(r); !ok {
				missing = append(missing, string(r)+" ("+found[r]+")")
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s face lacks %d characters: %s\nrun: python3 assets/fonts/subset.py",
				name, len(missing), strings.Join(missing, ", "))
		}
	}
	t.Logf("%d characters checked in each face", len(runes))
}

// TestFontCoversGB2312 checks every hanzi of GB 2312 (levels 1 and 2,
// rows 16–87) is in both faces.
func TestFontCoversGB2312(t *testing.T) {
	faces := parseFaces(t)
	dec := simplifiedchinese.GBK.NewDecoder()
	var hanzi []rune
	for hi := 0xB0; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			s, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			r, _ := utf8.DecodeRune(s)
			if unicode.Is(unicode.Han, r) {
				hanzi = append(hanzi, r)
			}
		}
	}
	if len(hanzi) != 6763 {
		t.Fatalf("decoded %d GB 2312 hanzi, want 6763", len(hanzi))
	}
	for name, f := range faces {
		n := 0
		for _, r := range hanzi {
			if _, ok := f.NominalGlyph(r); !ok {
				if n < 10 {
					t.Errorf("%s face lacks %c (U+%04X)", name, r, r)
				}
				n++
			}
		}
		if n > 0 {
			t.Errorf("%s face lacks %d GB 2312 hanzi", name, n)
		}
	}
}

func TestFontSize(t *testing.T) {
	for name, data := range map[string][]byte{"regular": fontRegular, "bold": fontBold} {
		if len(data) > maxFontBytes {
			t.Errorf("%s face is %d bytes, want at most %d", name, len(data), maxFontBytes)
		}
	}
}
