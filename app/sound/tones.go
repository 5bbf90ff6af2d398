package sound

import (
	"encoding/binary"
	"math"
)

// The PCM format of the bundled sounds and of the device: 16-bit signed
// little-endian mono at SampleRate.
const (
	SampleRate     = 44100
	ChannelCount   = 1
	bytesPerSample = 2
)

// Kind is an alert's sound.
type Kind int

const (
	// Critical: three quick rising two-tone beeps (880 → 1320 Hz), urgent.
	Critical Kind = iota + 1
	// Major: two long, lower beeps (660 Hz), calmer.
	Major
)

func (k Kind) String() string {
	switch k {
	case Critical:
		return "critical"
	case Major:
		return "major"
	}
	return "unknown"
}

// beep is one tone segment: freq in Hz for ms milliseconds (0 Hz is a pause).
type beep struct {
	freq float64
	ms   int
}

var patterns = map[Kind][]beep{
	Critical: {
		{880, 100}, {1320, 100}, {0, 100},
		{880, 100}, {1320, 100}, {0, 100},
		{880, 100}, {1320, 100}, {0, 300},
	},
	Major: {
		{660, 350}, {0, 250},
		{660, 350}, {0, 400},
	},
}

// PCM is the bundled sound of kind k as the device plays it, or nil for an
// unknown kind. The slice is new on every call.
func PCM(k Kind) []byte {
	p, ok := patterns[k]
	if !ok {
		return nil
	}
	var out []byte
	for _, b := range p {
		n := SampleRate * b.ms / 1000
		fade := SampleRate * 5 / 1000 // 5 ms ramps: no click at the edges
		for i := 0; i < n; i++ {
			v := 0.0
			if b.freq > 0 {
				gain := 0.45
				if i < fade {
					gain *= float64(i) / float64(fade)
				} else if n-i < fade {
					gain *= float64(n-i) / float64(fade)
				}
				v = gain * math.Sin(2*math.Pi*b.freq*float64(i)/SampleRate)
			}
			out = binary.LittleEndian.AppendUint16(out, uint16(int16(v*math.MaxInt16)))
		}
	}
	return out
}

// Duration is how long the sound of kind k plays, in milliseconds.
func Duration(k Kind) int {
	return len(PCM(k)) / bytesPerSample / ChannelCount * 1000 / SampleRate
}
