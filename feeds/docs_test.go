package feeds

import (
	"os"
	"strings"
	"testing"
	"time"

	"onescreen/city"
)

// TestProtocolDocExamples holds docs/protocol.md to the code: every JSON
// example in it decodes, and every station and reading in it validates.
func TestProtocolDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 8, 14, 10, 5, 0, 0, city.Shanghai)
	v := NewValidator(WithClock(func() time.Time { return clock }))
	parts := strings.Split(string(doc), "```json\n")
	if len(parts) < 20 {
		t.Fatalf("only %d JSON examples found", len(parts)-1)
	}
	types := map[string]bool{}
	for _, p := range parts[1:] {
		example := strings.TrimSpace(p[:strings.Index(p, "```")])
		env, err := Decode([]byte(example))
		if err != nil {
			t.Errorf("%v\n%s", err, example)
			continue
		}
		types[env.Type] = true
		msgs := []Envelope{env}
		if env.Type == TypeBatch {
			msgs = nil
			for _, m := range env.Messages {
				inner, err := Decode(m)
				if err != nil {
					t.Errorf("%v\n%s", err, m)
				}
				msgs = append(msgs, inner)
			}
		}
		for _, m := range msgs {
			switch m.Type {
			case TypeStation:
				_, err = v.Station(m.Station)
			case TypeReading:
				_, err = v.Reading(m.Reading)
			case TypeGap:
				err = v.Gap(m.Gap)
			case TypeAction, TypeStep:
				err = v.Action(m.Action)
			}
			if err != nil {
				t.Errorf("%v\n%s", err, example)
			}
		}
	}
	for _, typ := range []string{TypeHello, TypeStation, TypeReading, TypeHeartbeat, TypeGap, TypeActionAck, TypeStep, TypeError, TypeSubscribe, TypeAction, TypeBatch} {
		if !types[typ] {
			t.Errorf("no example of a %s message", typ)
		}
	}
}
