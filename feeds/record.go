package feeds

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"onescreen/city"
)

// ReadRecording reads a recording (ServerConfig.Record: one station or
// reading message per line) and calls fn with each station or reading in
// order, validated by v. Readings keep the seq they were published with.
// A line that fails to decode or validate stops the reading with an error
// naming the line; fn's error stops it too and is returned as is.
func ReadRecording(r io.Reader, v *Validator, fn func(st *city.Station, rd *city.Reading) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), DefaultClientReadLimit)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		env, err := Decode(raw)
		if err != nil {
			return fmt.Errorf("recording line %d: %w", line, err)
		}
		switch env.Type {
		case TypeStation:
			st, err := v.Station(env.Station)
			if err != nil {
				return fmt.Errorf("recording line %d: %w", line, err)
			}
			if err := fn(&st, nil); err != nil {
				return err
			}
		case TypeReading:
			rd, err := v.Reading(env.Reading)
			if err != nil {
				return fmt.Errorf("recording line %d: %w", line, err)
			}
			if err := fn(nil, &rd); err != nil {
				return err
			}
		default:
			return fmt.Errorf("recording line %d: a recording holds stations and readings, not %q messages", line, env.Type)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("recording line %d: longer than %d bytes: %w", line+1, DefaultClientReadLimit, err)
		}
		return fmt.Errorf("read recording: %w", err)
	}
	return nil
}
