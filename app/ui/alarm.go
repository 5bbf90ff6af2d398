package ui

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"onescreen/app/sound"
)

// alarmEvery is the shortest time between two alarm sounds.
const alarmEvery = 4 * time.Second

// alarm sounds the critical-alert tone through the audio library (package
// sound); where it has no device, through the system's audio player
// (paplay or aplay). On a machine with none, the flashing row is the only signal.
type alarm struct {
	mu     sync.Mutex
	last   time.Time
	player string
	file   string
	failed bool
	snd    *sound.Player // the audio library; the system's player only when it has no device
}

func newAlarm() *alarm {
	return &alarm{snd: sound.New(sound.Options{OnError: func(err error) { fmt.Fprintln(os.Stderr, "onescreen: alarm:", err) }})}
}

// Silence (消音) stops the alarm sounding now; the next Sound plays again.
func (a *alarm) Silence() { a.snd.Silence() }

// Sound plays the tone unless it played less than alarmEvery ago. It never
// blocks the caller.
func (a *alarm) Sound() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failed || time.Since(a.last) < alarmEvery {
		return
	}
	a.last = time.Now()
	if a.snd.Err() == nil {
		a.snd.Play(sound.Critical)
		return
	}
	if a.file == "" {
		for _, p := range []string{"paplay", "aplay"} {
			if path, err := exec.LookPath(p); err == nil {
				a.player = path
				break
			}
		}
		if a.player == "" {
			a.failed = true
			return
		}
		a.file = filepath.Join(os.TempDir(), "onescreen-alarm.wav")
		if err := os.WriteFile(a.file, alarmWAV(), 0o644); err != nil {
			a.failed = true
			return
		}
	}
	cmd := exec.Command(a.player, a.file)
	if a.player != "" && filepath.Base(a.player) == "aplay" {
		cmd = exec.Command(a.player, "-q", a.file)
	}
	if err := cmd.Start(); err != nil {
		a.failed = true
		return
	}
	go func() { _ = cmd.Wait() }()
}

// alarmWAV is three short two-tone beeps, 16-bit mono PCM at 16 kHz.
func alarmWAV() []byte {
	const rate = 16000
	var pcm []int16
	for beep := 0; beep < 3; beep++ {
		for i := 0; i < rate/5; i++ { // 200 ms tone
			f := 880.0
			if i > rate/10 {
				f = 1320.0
			}
			v := math.Sin(2*math.Pi*f*float64(i)/rate) * 0.5 * math.MaxInt16
			pcm = append(pcm, int16(v))
		}
		pcm = append(pcm, make([]int16, rate/10)...) // 100 ms pause
	}
	var b bytes.Buffer
	data := len(pcm) * 2
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+data))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(data))
	_ = binary.Write(&b, binary.LittleEndian, pcm)
	return b.Bytes()
}
