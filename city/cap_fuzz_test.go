package city_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"onescreen/city"
)

// xmlText is what an XML reader gets back for s written as character data:
// a byte that is not UTF-8 and a character XML does not allow read as
// U+FFFD.
func xmlText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		ok := r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if r == utf8.RuneError && n == 1 || !ok {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzCAPAlert writes CAP for alerts with arbitrary text (IDs, names,
// messages, teams, units, officers' notes, the sender's contact and note)
// and arbitrary values and positions. CAPAlert never panics; a document it
// gives is well-formed XML without a DTD, with a GB/T 35965.1 identifier,
// CAP times, areas of finite coordinates on the globe (a polygon closed,
// of at least four pairs and three distinct points), and the alert's text
// read back as written.
func FuzzCAPAlert(f *testing.F) {
	f.Add(uint8(0), uint8(0), "", "十五厂", "半淞园路街道", "AQI 215 重度污染", "AQI 215 heavy", "外滩中队", "µg/m³", "王伟", "<到场> & 核实", "021-1234", 215.0, 121.478, 31.2036, 0.001, 0.001, false)
	f.Add(uint8(4), uint8(2), "alert-1", "外滩滨水区", "外滩街道", "密度 3.9 人/m²", "", "", "persons/m²", "李娜", "]]>\x00\x1b\ufffe", "", math.NaN(), 121.488, 31.2375, 0.002, 0.003, true)
	f.Add(uint8(3), uint8(3), "\xff\xfe", "\r\n\t ", "", "", "\x7f", "<team>", "", "", "", "&amp;", math.Inf(1), 181.0, -91.0, 0.0, 0.0, false)
	f.Add(uint8(1), uint8(1), "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", -0.0, 121.48, 31.23, 1e-9, 1e-9, true)
	states := []city.AlertState{city.StateRaised, city.StateDispatched, city.StateClosed, city.StateAutoCleared}
	f.Fuzz(func(t *testing.T, feedN, stateN uint8, id, name, street, msg, msgEN, team, unit, officer, note, contact string,
		value, lon, lat, dLon, dLat float64, area bool) {
		feed := city.Feeds[int(feedN)%len(city.Feeds)]
		a, steps := capAlert(feed, city.Severities[int(feedN/8)%len(city.Severities)], states[int(stateN)%len(states)])
		if id != "" {
			a.ID = id
			for i := range steps {
				steps[i].Alert = id
			}
		}
		a.Message, a.MessageEN, a.Team, a.Unit, a.Value = msg, msgEN, team, unit, value
		steps = append(steps, city.Step{Alert: a.ID, Kind: city.StepComment, Officer: officer, Note: note,
			Time: steps[len(steps)-1].Time.Add(time.Minute)})
		st := capStations[feed]
		st.Name = name
		st.Attrs = map[string]string{city.AttrStreet: street}
		st.Location = orb.Point{lon, lat}
		st.Area = nil
		if area {
			st.Area = orb.Polygon{{{lon, lat}, {lon + dLon, lat}, {lon + dLon, lat + dLat}, {lon, lat + dLat}}}
		}
		opts := city.DefaultCAPOptions()
		opts.Contact, opts.Note = contact, note
		out, err := city.CAPAlert(a, st, steps, opts)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a reason")
			}
			return
		}
		doc := parseCAPOnce(t, out)
		if !capIdentifierRE.MatchString(doc.Identifier) || !capTimeRE.MatchString(doc.Sent) {
			t.Fatalf("identifier %q, sent %q", doc.Identifier, doc.Sent)
		}
		if len(doc.Infos) != 2 {
			t.Fatalf("%d infos, want 2", len(doc.Infos))
		}
		for _, info := range doc.Infos {
			if info.Onset != "" && !capTimeRE.MatchString(info.Onset) {
				t.Fatalf("onset %q", info.Onset)
			}
			if len(info.Parameters) == 0 || info.Parameters[0].Name != "alert_id" || info.Parameters[0].Value != xmlText(a.ID) {
				t.Fatalf("parameters %+v: alert_id is not %q", info.Parameters, a.ID)
			}
			for _, ar := range info.Areas {
				if len(ar.Polygons)+len(ar.Circles) != 1 {
					t.Fatalf("area %+v: want one polygon or circle", ar)
				}
				for _, p := range ar.Polygons {
					pairs := strings.Fields(p)
					distinct := map[string]bool{}
					for _, pair := range pairs {
						checkLatLon(t, pair)
						distinct[pair] = true
					}
					if len(pairs) < 4 || pairs[0] != pairs[len(pairs)-1] || len(distinct) < 3 {
						t.Fatalf("polygon %q: %d pairs, %d distinct; want a closed ring of at least 4 pairs, 3 distinct", p, len(pairs), len(distinct))
					}
				}
				for _, c := range ar.Circles {
					centre, radius, ok := strings.Cut(c, " ")
					checkLatLon(t, centre)
					if r, err := strconv.ParseFloat(radius, 64); !ok || err != nil || !city.Finite(r) || r < 0 {
						t.Fatalf("circle %q: radius not a distance", c)
					}
				}
			}
		}
		zh, en := doc.Infos[0], doc.Infos[1]
		if m := strings.TrimSpace(msg); m != "" && !strings.Contains(zh.Description, xmlText(m)) {
			t.Fatalf("the Chinese description %q lacks the message %q", zh.Description, m)
		}
		if m := strings.TrimSpace(msgEN); m != "" && !strings.Contains(en.Description, xmlText(m)) {
			t.Fatalf("the English description %q lacks the message %q", en.Description, m)
		}
		if note != "" && !strings.Contains(en.Description, xmlText(note)) {
			t.Fatalf("the English history %q lacks the note %q", en.Description, note)
		}
	})
}

// parseCAPOnce is parseCAP in one pass over the document: it refuses any
// DTD and anything but one root element, and reads the root into a capDoc.
func parseCAPOnce(t *testing.T, b []byte) capDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var doc capDoc
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("CAP is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.Directive:
			t.Fatalf("CAP carries a directive (DTD): %s", tok)
		case xml.StartElement:
			roots++
			if err := d.DecodeElement(&doc, &tok); err != nil {
				t.Fatalf("CAP is not well-formed XML: %v", err)
			}
		}
	}
	if roots != 1 {
		t.Fatalf("CAP has %d root elements", roots)
	}
	return doc
}

// checkLatLon checks a CAP "lat,lon" pair is two finite numbers on the
// globe.
func checkLatLon(t *testing.T, s string) {
	t.Helper()
	la, lo, ok := strings.Cut(s, ",")
	lat, err1 := strconv.ParseFloat(la, 64)
	lon, err2 := strconv.ParseFloat(lo, 64)
	if !ok || err1 != nil || err2 != nil || !city.Finite(lat) || !city.Finite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		t.Fatalf("%q is not a lat,lon pair on the globe", s)
	}
}

// TestCAPPolygonPointsAsWritten: points that differ by less than the
// 1e-7° CAP is written to are one point: a ring of three such points is
// refused, not written as one point five times, and a ring whose last
// point is its first as written is not closed a second time.
func TestCAPPolygonPointsAsWritten(t *testing.T) {
	const d = 1e-9
	if s, err := city.CAPPolygon(orb.Polygon{{{121.48, 31.23}, {121.48 + d, 31.23}, {121.48 + d, 31.23 + d}, {121.48, 31.23 + d}}}); err == nil {
		t.Errorf("a ring of points 1e-9° apart gave %q", s)
	}
	s, err := city.CAPPolygon(orb.Polygon{{{121.48, 31.23}, {121.49, 31.23}, {121.49, 31.24}, {121.48 + d, 31.23}}})
	if want := "31.23,121.48 31.23,121.49 31.24,121.49 31.23,121.48"; err != nil || s != want {
		t.Errorf("got %q, %v; want %q", s, err, want)
	}
}
