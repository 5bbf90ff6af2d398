package sound

import (
	"errors"
	"io"
	"time"

	"github.com/ebitengine/oto/v3"
)

// openTimeout bounds the wait for the audio library to open the device.
const openTimeout = 5 * time.Second

// openDefault opens the system's default output with oto. oto allows one
// context per process, so the first one opened is kept.
func openDefault() (Device, error) {
	ctx, ready, err := oto.NewContext(&oto.NewContextOptions{
		SampleRate:   SampleRate,
		ChannelCount: ChannelCount,
		Format:       oto.FormatSignedInt16LE,
		BufferSize:   50 * time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	select {
	case <-ready:
	case <-time.After(openTimeout):
		return nil, errors.New("the audio device did not open within 5s")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return otoDevice{ctx}, nil
}

type otoDevice struct{ ctx *oto.Context }

func (d otoDevice) NewStream(r io.Reader) Stream { return d.ctx.NewPlayer(r) }
