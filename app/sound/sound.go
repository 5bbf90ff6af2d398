// Package sound plays the desk's alarm sounds through the system's audio
// device with no external program: the PCM of each sound is made here and
// handed to the Go audio library (ebitengine/oto: ALSA on Linux, WASAPI on
// Windows, Core Audio on macOS).
//
// A Player opens the device at its first Play, on its own goroutine, so
// Play and Silence never block the caller. When there is no device the
// error is reported once (Options.OnError) and every later Play is a no-op:
// the desk keeps running with its visual signals.
package sound

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrNoDevice wraps the audio library's error when no device can be opened.
var ErrNoDevice = errors.New("no audio device: alarms are shown but not sounded")

// Stream is one sound being played by the audio library.
type Stream interface {
	Play()
	Pause()
	Close() error
}

// Device is an open audio device: it plays what it reads from r, in the
// package's PCM format, until r returns io.EOF.
type Device interface {
	NewStream(r io.Reader) Stream
}

// Options of a Player.
type Options struct {
	// Open opens the device; nil opens the system's default output.
	Open func() (Device, error)
	// OnError is called once, on the player's goroutine, with the error
	// that leaves the player silent (errors.Is(err, ErrNoDevice)).
	OnError func(error)
}

// Player plays one sound at a time; a new Play replaces the sound playing.
type Player struct {
	opts Options
	cmds chan Kind // 0 is Silence
	once sync.Once

	mu     sync.Mutex
	err    error
	dev    Device
	cur    Stream
	src    *source
	played []Kind // kinds started, for Playing
}

// New returns a player; the device is opened at the first Play.
func New(opts Options) *Player {
	if opts.Open == nil {
		opts.Open = openDefault
	}
	return &Player{opts: opts, cmds: make(chan Kind, 8)}
}

// Play starts the sound of kind k, replacing any sound playing. It does not
// block; a burst of calls beyond the queue is dropped.
func (p *Player) Play(k Kind) {
	if PCM(k) == nil {
		return
	}
	p.send(k)
}

// Silence (消音) stops the sound playing now. It does not block.
func (p *Player) Silence() { p.send(0) }

// Err is the error that left the player silent, or nil.
func (p *Player) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *Player) send(k Kind) {
	p.once.Do(func() { go p.loop() })
	select {
	case p.cmds <- k:
	default:
	}
}

func (p *Player) loop() {
	for k := range p.cmds {
		p.do(k)
	}
}

func (p *Player) do(k Kind) {
	p.mu.Lock()
	if p.err != nil {
		p.mu.Unlock()
		return
	}
	if p.cur != nil {
		p.src.stop()
		p.cur.Pause()
		_ = p.cur.Close()
		p.cur, p.src = nil, nil
	}
	if k == 0 {
		p.mu.Unlock()
		return
	}
	if p.dev == nil {
		dev, err := p.opts.Open()
		if err != nil {
			p.err = fmt.Errorf("%w (%v)", ErrNoDevice, err)
			report := p.opts.OnError
			err := p.err
			p.mu.Unlock()
			if report != nil {
				report(err)
			}
			return
		}
		p.dev = dev
	}
	p.src = &source{pcm: PCM(k)}
	p.cur = p.dev.NewStream(p.src)
	p.cur.Play()
	p.mu.Unlock()
}

// source is the reader the audio library plays: the PCM of one sound, cut
// short by stop.
type source struct {
	mu      sync.Mutex
	pcm     []byte
	off     int
	stopped bool
}

func (s *source) Read(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.off >= len(s.pcm) {
		return 0, io.EOF
	}
	n := copy(b, s.pcm[s.off:])
	s.off += n
	return n, nil
}

func (s *source) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}
