#!/usr/bin/env python3
"""Build the bundled CJK fonts of onescreen from Noto Sans CJK.

Fyne cannot load a .ttc collection and its default font has no Chinese
glyphs, so the dashboard ships its own Simplified Chinese face, cut down to
the characters a district operations centre shows:

  * ASCII and Latin-1, general punctuation, CJK symbols and punctuation,
    full-width forms, and the symbol blocks the UI draws with
    (superscripts, letterlike symbols such as U+2103, Roman numerals for
    water classes, arrows, comparison signs, geometric shapes);
  * every character of GB 2312 (its 6763 hanzi and its symbol rows),
    computed here by decoding every valid GB 2312 byte pair;
  * every non-ASCII character found in the repository's text files
    (Go sources, geodata, docs) and, when present beside the repository,
    in ../shared/data, so street and station names never fall outside
    the subset.

Re-run it whenever new text is added; assets/font_test.go fails when a
character in the Go sources or the embedded geodata is missing.

Usage (from anywhere):
    python3 assets/fonts/subset.py [--regular PATH] [--bold PATH] [--face NAME]

PATH defaults to Debian's fonts-noto-cjk collections. The face is picked
from the collection by its PostScript name (NotoSansCJKsc-Regular / -Bold).
Requires fontTools (Debian: python3-fonttools).
"""

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

DEBIAN_DIR = Path("/usr/share/fonts/opentype/noto")
DEFAULT_REGULAR = DEBIAN_DIR / "NotoSansCJK-Regular.ttc"
DEFAULT_BOLD = DEBIAN_DIR / "NotoSansCJK-Bold.ttc"

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# Unicode blocks kept whole (inclusive ranges).
BLOCKS = [
    (0x0020, 0x007E),  # ASCII printable
    (0x00A0, 0x00FF),  # Latin-1 supplement: ° µ ² ³ · × ÷ ± ¥
    (0x0391, 0x03C9),  # Greek letters (µ/μ, Δ, Σ in formulas)
    (0x2000, 0x206F),  # general punctuation: – — ‘ ’ “ ” … ‰ ※
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x2100, 0x214F),  # letterlike symbols: ℃ № ™
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ (water classes)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ②
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ■ □ ▲ ▼ ● ○ ◆
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。「」【】
    (0xFF00, 0xFFEF),  # half-width and full-width forms
]

# Single code points the UI uses outside the blocks above.
UI_SYMBOLS = "≥≤≈≠∞√∑±×÷‰°·→←↑↓▲▼△▽●○■□◆◇★☆✓⚠"

# Text files scanned for characters.
TEXT_SUFFIXES = {".go", ".geojson", ".json", ".csv", ".md", ".toml", ".txt", ".sql", ".xml", ".cap"}
SKIP_DIRS = {".git", "node_modules", "vendor"}

# Fewer layout features than fontTools keeps by default: the dashboard sets
# horizontal text only, so vertical forms and their metrics are dropped.
LAYOUT_FEATURES = [
    "ccmp", "locl", "mark", "mkmk", "kern", "liga", "clig", "calt",
    "fwid", "hwid", "halt", "palt", "pwid",
]
DROP_TABLES = ["vhea", "vmtx", "VORG", "BASE"]


def gb2312_chars():
    """Every character GB 2312 encodes, by decoding each valid byte pair."""
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def is_hanzi(ch):
    return 0x4E00 <= ord(ch) <= 0x9FFF or 0x3400 <= ord(ch) <= 0x4DBF


def text_chars(root):
    """Non-ASCII characters of every text file under root."""
    chars = set()
    if not root.is_dir():
        return chars
    for path in sorted(root.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        chars.update(ch for ch in text if ord(ch) > 0x7E)
    return chars


def open_face(path, psname):
    """Return the face named psname from a .ttc/.otf file."""
    if path.suffix.lower() in (".ttc", ".otc"):
        for font in TTCollection(str(path)).fonts:
            if font["name"].getDebugName(6) == psname:
                return font
        raise SystemExit(f"{path}: no face named {psname}")
    font = TTFont(str(path))
    if font["name"].getDebugName(6) != psname:
        print(f"warning: {path} is {font['name'].getDebugName(6)}, not {psname}", file=sys.stderr)
    return font


def wanted_codepoints():
    cps = set()
    for lo, hi in BLOCKS:
        cps.update(range(lo, hi + 1))
    cps.update(ord(ch) for ch in UI_SYMBOLS)
    gb = gb2312_chars()
    hanzi = sum(1 for ch in gb if is_hanzi(ch))
    if hanzi != 6763:
        raise SystemExit(f"GB 2312 decoding gave {hanzi} hanzi, want 6763")
    cps.update(ord(ch) for ch in gb)
    found = text_chars(REPO) | text_chars(SHARED_DATA)
    cps.update(ord(ch) for ch in found)
    return cps, found


def build(src, psname, out, cps):
    font = open_face(src, psname)
    cmap = font.getBestCmap()
    keep = sorted(cp for cp in cps if cp in cmap)
    opts = subset.Options()
    opts.layout_features = LAYOUT_FEATURES
    opts.drop_tables += DROP_TABLES
    opts.hinting = False
    opts.glyph_names = False
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14]
    opts.name_languages = [0x409]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=keep)
    sub.subset(font)
    font.recalcTimestamp = False  # keep the source date: same input, same bytes
    font.save(str(out))
    return keep, [cp for cp in cps if cp not in cmap]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--regular", type=Path, default=DEFAULT_REGULAR, help="Noto Sans CJK Regular .ttc/.otf")
    ap.add_argument("--bold", type=Path, default=DEFAULT_BOLD, help="Noto Sans CJK Bold .ttc/.otf")
    ap.add_argument("--face", default="NotoSansCJKsc", help="PostScript name prefix of the face")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory")
    args = ap.parse_args()

    cps, found = wanted_codepoints()
    print(f"{len(cps)} code points wanted ({len(found)} non-ASCII found in repository text)")
    missing_all = set()
    for src, style in ((args.regular, "Regular"), (args.bold, "Bold")):
        out = args.out / f"NotoSansSC-{style}.otf"
        keep, missing = build(src, f"{args.face}-{style}", out, cps)
        missing_all.update(missing)
        print(f"{out.name}: {len(keep)} characters, {out.stat().st_size} bytes")
    # Characters that matter (found in our text or listed as UI symbols)
    # but absent from the source font: Fyne will show them as boxes.
    important = {ord(ch) for ch in found} | {ord(ch) for ch in UI_SYMBOLS}
    lost = sorted(cp for cp in missing_all if cp in important)
    if lost:
        print("not in the source font: " + " ".join(f"U+{cp:04X}({chr(cp)})" for cp in lost), file=sys.stderr)


if __name__ == "__main__":
    main()
