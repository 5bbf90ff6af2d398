package sound

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// card is a Device that plays like a sound card: each stream's reader is
// read only when the test pulls a period of audio from it, so the test sees
// exactly the samples the player handed over.
type card struct{ streams chan *cardStream }

func newCard() *card { return &card{streams: make(chan *cardStream, 4)} }

func (c *card) NewStream(r io.Reader) Stream {
	s := &cardStream{r: r, closed: make(chan struct{})}
	c.streams <- s
	return s
}

type cardStream struct {
	r         io.Reader
	closeOnce sync.Once
	closed    chan struct{}
	playing   atomic.Bool
}

func (s *cardStream) Play()  { s.playing.Store(true) }
func (s *cardStream) Pause() { s.playing.Store(false) }
func (s *cardStream) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

// pull reads up to n bytes of audio as the device would, stopping at EOF.
func (s *cardStream) pull(t *testing.T, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	got, err := io.ReadFull(s.r, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		t.Fatalf("reading the stream: %v", err)
	}
	return buf[:got]
}

func (c *card) next(t *testing.T) *cardStream {
	t.Helper()
	select {
	case s := <-c.streams:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("the player handed no stream to the device within 5s")
		return nil
	}
}

// peak is the largest absolute sample in 16-bit little-endian PCM.
func peak(pcm []byte) int {
	m := 0
	for i := 0; i+1 < len(pcm); i += 2 {
		v := int(int16(binary.LittleEndian.Uint16(pcm[i:])))
		if v < 0 {
			v = -v
		}
		m = max(m, v)
	}
	return m
}

const period = SampleRate / 10 * bytesPerSample // 100 ms of audio

func TestCriticalAlertPlaysItsToneAndSilenceStopsIt(t *testing.T) {
	dev := newCard()
	p := New(Options{Open: func() (Device, error) { return dev, nil }})
	p.Play(Critical)
	s := dev.next(t)

	got := s.pull(t, period)
	want := PCM(Critical)
	if len(got) != period || !bytes.Equal(got, want[:period]) {
		t.Fatalf("the device got %d bytes that are not the first 100 ms of the critical tone", len(got))
	}
	if pk := peak(got); pk < 10000 {
		t.Fatalf("the first 100 ms handed to the device peak at %d of 32767: silence, not a tone", pk)
	}
	if bytes.Equal(got, PCM(Major)[:period]) {
		t.Fatal("the critical tone starts like the major one")
	}
	if !s.playing.Load() {
		t.Fatal("the stream was handed over but not started")
	}

	p.Silence()
	select {
	case <-s.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("消音: the stream was not closed within 5s")
	}
	if s.playing.Load() {
		t.Error("消音: the stream is still playing")
	}
	if rest := s.pull(t, len(want)); len(rest) != 0 {
		t.Errorf("消音: the device could still read %d bytes (%d ms) of the tone", len(rest), len(rest)*1000/bytesPerSample/SampleRate)
	}
	if p.Err() != nil {
		t.Errorf("Err() = %v with a working device", p.Err())
	}
}

func TestMajorAlertPlaysItsOwnToneAndReplacesTheCritical(t *testing.T) {
	dev := newCard()
	p := New(Options{Open: func() (Device, error) { return dev, nil }})
	p.Play(Critical)
	first := dev.next(t)
	first.pull(t, period)

	p.Play(Major)
	second := dev.next(t)
	if rest := first.pull(t, len(PCM(Critical))); len(rest) != 0 {
		t.Errorf("the critical tone went on for %d bytes after the major one replaced it", len(rest))
	}
	// The major tone whole, as the device reads it to the end.
	all := second.pull(t, 10*SampleRate*bytesPerSample)
	if !bytes.Equal(all, PCM(Major)) {
		t.Fatalf("the device read %d bytes, not the %d of the major tone", len(all), len(PCM(Major)))
	}
	if peak(all) < 10000 {
		t.Fatal("the major tone is silent")
	}
	if d := Duration(Major); d < 1000 || d > 2000 {
		t.Errorf("major tone lasts %d ms", d)
	}
}

func TestNoDeviceIsReportedOnceAndPlayGoesOn(t *testing.T) {
	var reports atomic.Int32
	var reported atomic.Value
	opened := 0
	p := New(Options{
		Open: func() (Device, error) {
			opened++
			return nil, errors.New("ALSA error at snd_pcm_open: default: No such file or directory")
		},
		OnError: func(err error) { reports.Add(1); reported.Store(err) },
	})
	for i := 0; i < 5; i++ {
		p.Play(Critical)
		p.Silence()
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the queued calls after the failure
	err := p.Err()
	if !errors.Is(err, ErrNoDevice) {
		t.Fatalf("Err() = %v, want ErrNoDevice", err)
	}
	if reports.Load() != 1 {
		t.Errorf("the missing device was reported %d times, want once", reports.Load())
	}
	if e, _ := reported.Load().(error); e == nil || e.Error() != err.Error() {
		t.Errorf("reported %v, Err() %v", e, err)
	}
	if opened != 1 {
		t.Errorf("the device was tried %d times, want once", opened)
	}
	for _, want := range []string{"no audio device", "snd_pcm_open"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestUnknownKindIsIgnored(t *testing.T) {
	if PCM(Kind(99)) != nil {
		t.Fatal("PCM of an unknown kind")
	}
	dev := newCard()
	p := New(Options{Open: func() (Device, error) { return dev, nil }})
	p.Play(Kind(99))
	p.Play(Major)
	if s := dev.next(t); !bytes.Equal(s.pull(t, period), PCM(Major)[:period]) {
		t.Fatal("after an unknown kind, Major did not play")
	}
}

// TestPlayDoesNotWaitForTheDevice: Play and Silence return while the device
// is still opening (the alarm is called on the UI goroutine), and the sound
// asked for plays once it is open.
func TestPlayDoesNotWaitForTheDevice(t *testing.T) {
	dev := newCard()
	release := make(chan struct{})
	p := New(Options{Open: func() (Device, error) { <-release; return dev, nil }})
	returned := make(chan struct{})
	go func() {
		p.Play(Major)
		p.Silence()
		p.Play(Critical)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("Play and Silence waited for the device to open")
	}
	close(release)
	// Major was opened for and started, then silenced; Critical plays.
	first := dev.next(t)
	if rest := first.pull(t, period); len(rest) != 0 && !bytes.Equal(rest, PCM(Major)[:len(rest)]) {
		t.Fatal("the first stream is not the major tone")
	}
	s := dev.next(t)
	if got := s.pull(t, period); !bytes.Equal(got, PCM(Critical)[:period]) {
		t.Fatal("after the device opened, the critical tone did not play")
	}
}
