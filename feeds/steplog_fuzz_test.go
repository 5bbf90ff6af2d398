package feeds

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"onescreen/city"
)

// stepLogSeeds are step log files: good ones, a compacted one, and every
// kind of damage TestStepLogCorruptLines and TestStepLogSeqJump make.
func stepLogSeeds(t testing.TB) [][]byte {
	l := NewMemoryStepLog("20260814T015500Z-9c1d2e3f4a5b6c7d")
	var lines []string
	for i := 1; i <= 4; i++ {
		a := testAction(i)
		a.Time = time.Date(2026, 8, 14, 10, i, 0, 0, city.Shanghai).Format(time.RFC3339Nano)
		if i == 3 {
			a.Step, a.Team, a.Note = "dispatch", "外滩街道网格队", "请现场核查"
		}
		msg, _, _, err := l.Append(a)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(msg))
	}
	join := func(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }
	return [][]byte{
		join(lines...),
		join(lines[2:]...), // compacted: starts at seq 3
		[]byte(strings.Join(lines, "\r\n")),
		join(lines[0], "{not json", strings.Replace(lines[1], `"comment"`, `"sneeze"`, 1), lines[2], `{"v":1,"type":"step","epo`),
		join(lines[0], strings.Replace(lines[1], `"seq":2`, `"seq":18446744073709551615`, 1)),
		join(lines[0], lines[0], lines[1]),
		join(lines[1], lines[0]),
		join(lines[0], strings.Replace(lines[1], "9c1d2e3f4a5b6c7d", "another", 1)),
		join(lines[0], "", "   ", lines[1]),
		join(`{"v":1,"type":"heartbeat","epoch":"e"}`, lines[0]),
		join(strings.Replace(lines[0], `"epoch":"20260814T015500Z-9c1d2e3f4a5b6c7d",`, "", 1), lines[1]),
		join(strings.Replace(lines[0], `"seq":1`, `"seq":0`, 1)),
		[]byte("\n\n\xff\xfe\n"),
		nil,
	}
}

// FuzzStepLogLines reads arbitrary bytes as a step log file. Reading
// never fails or panics (a line it cannot take is reported, with its
// number and a reason, and skipped); what it loads is a valid log: steps
// of the log's epoch in rising seq order, each a valid step with an id of
// its own, every line either loaded or reported; the steps loaded read
// back alike when written out again; and the log takes a new step after
// the newest.
func FuzzStepLogLines(f *testing.F) {
	for _, s := range stepLogSeeds(f) {
		f.Add(s)
	}
	v := NewValidator(WithFutureTolerance(100 * 365 * 24 * time.Hour))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := NewMemoryStepLog("")
		l.epoch = "" // as a file log before it is read: the file gives the epoch
		bad, err := l.loadFrom(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("reading from memory failed: %v", err)
		}
		lines := bytes.Count(data, []byte("\n"))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			lines++
		}
		prev := 0
		for _, b := range bad {
			if b.Line <= prev || b.Line > lines || b.Reason == "" {
				t.Fatalf("bad line %d (%q) after line %d of %d", b.Line, b.Reason, prev, lines)
			}
			prev = b.Line
		}
		if l.Epoch() == "" {
			t.Fatal("a log without an epoch")
		}
		msgs := l.since(0)
		if len(bad)+len(msgs) != lines || l.Len() != len(msgs) {
			t.Fatalf("%d lines: %d bad, %d loaded, Len %d", lines, len(bad), len(msgs), l.Len())
		}
		ids := map[string]bool{}
		var last uint64
		for i, m := range msgs {
			env, err := Decode(m)
			if err != nil {
				t.Fatalf("loaded step %d does not decode: %v\n%s", i, err, m)
			}
			if env.Type != TypeStep || env.Epoch != l.Epoch() || env.Seq <= last || env.Action == nil {
				t.Fatalf("loaded step %d: %s of epoch %q seq %d after %d, in a log of epoch %q", i, env.Type, env.Epoch, env.Seq, last, l.Epoch())
			}
			if err := v.Action(env.Action); err != nil {
				t.Fatalf("loaded step %d is not a valid step: %v", i, err)
			}
			if ids[env.Action.ID] || !l.Has(env.Action.ID) {
				t.Fatalf("loaded step %d: id %q twice or not held", i, env.Action.ID)
			}
			ids[env.Action.ID] = true
			if i == 0 && env.Seq != l.First() {
				t.Fatalf("first step seq %d, First() %d", env.Seq, l.First())
			}
			last = env.Seq
		}
		if l.Last() != last && len(msgs) > 0 || len(msgs) == 0 && l.Last() != 0 {
			t.Fatalf("Last() %d, newest step loaded %d", l.Last(), last)
		}

		// written out again, the steps read back alike
		if len(msgs) > 0 {
			again := NewMemoryStepLog("")
			again.epoch = ""
			bad2, err := again.loadFrom(bytes.NewReader(append(bytes.Join(msgs, []byte("\n")), '\n')))
			if err != nil || len(bad2) != 0 {
				t.Fatalf("the loaded steps read back with errors: %v %+v", err, bad2)
			}
			if again.Epoch() != l.Epoch() || again.First() != l.First() || again.Last() != l.Last() {
				t.Fatalf("read back: epoch %q first %d last %d; was %q %d %d", again.Epoch(), again.First(), again.Last(), l.Epoch(), l.First(), l.Last())
			}
			for i, m := range again.since(0) {
				if !bytes.Equal(m, msgs[i]) {
					t.Fatalf("step %d reads back as %s, was %s", i, m, msgs[i])
				}
			}
		}

		// the next step goes after the newest
		a := testAction(0)
		a.ID = "fuzz-next-step"
		for l.Has(a.ID) {
			a.ID += "-"
		}
		newest := l.Last()
		_, seq, added, err := l.Append(a)
		if err != nil || !added || seq != newest+1 {
			t.Fatalf("append after loading: seq %d added %v err %v; newest was %d", seq, added, err, last)
		}
	})
}
