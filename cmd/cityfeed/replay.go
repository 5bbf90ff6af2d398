package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"strings"
	"time"

	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// maxSpeed bounds --speed: beyond it pacing is meaningless anyway.
const maxSpeed = 1e6

// replayFlags are replay's own flags.
type replayFlags struct {
	speed  float64
	loop   bool
	retime bool
}

// replay serves a recording or a CSV until ctx is done.
func replay(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	var l listenFlags
	l.register(fs)
	var rf replayFlags
	fs.Float64Var(&rf.speed, "speed", 1, "play this many times faster than recorded")
	fs.BoolVar(&rf.loop, "loop", false, "start again at the end")
	fs.BoolVar(&rf.retime, "retime", false, "shift observation times so the file plays as if live")
	var nf natsFlags
	nf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		return fmt.Errorf("%w: replay needs a FILE (a recording or a CSV)", errUsage)
	case 1:
	default:
		return fmt.Errorf("%w: replay takes one FILE, got %q", errUsage, pos)
	}
	if math.IsNaN(rf.speed) || rf.speed <= 0 || rf.speed > maxSpeed {
		return fmt.Errorf("%w: --speed %v: must be above 0 and at most %g", errUsage, rf.speed, float64(maxSpeed))
	}
	tlsCfg, err := l.check()
	if err != nil {
		return err
	}
	path := pos[0]
	src, err := openSource(path)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	lg := newLogger(stderr)
	if nf.url != "" {
		return replayNATS(ctx, &nf, l.token, src, rf, lg)
	}
	steps, err := openSteps(ctx, l.steps, l.stepsKeep, lg)
	if err != nil {
		return err
	}
	defer func() {
		if steps != nil {
			steps.Close()
		}
	}()
	srv := feeds.NewServer(feeds.ServerConfig{Token: l.token, ReplayPerFeed: l.replayBuffer, Logf: lg.Printf, Steps: steps})
	fsrv, err := listen(&l, tlsCfg, srv, lg)
	if err != nil {
		srv.Close()
		return err
	}
	lg.Printf("replaying %s (%s) at %gx%s%s", path, src.kind(), rf.speed, onOff(rf.loop, ", looping"), onOff(rf.retime, ", retimed to now"))
	if a, ok := src.(*airRows); ok && len(a.problems) > 0 {
		lg.Printf("%s: %d rows or cells left out:%s", path, len(a.problems), listProblems(a.problems))
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go fsrv.logStats(runCtx)
	playDone := make(chan error, 1)
	go func() { playDone <- play(runCtx, src, srv, rf, lg) }()

	var runErr error
	select {
	case <-ctx.Done():
		lg.Printf("shutting down")
	case err := <-fsrv.serveFailed():
		runErr = fmt.Errorf("serve: %w", err)
		fsrv.done <- err
	case err := <-playDone:
		if err != nil {
			runErr = err
			break
		}
		lg.Printf("replay finished; serving what was replayed until interrupted")
		playDone <- nil
		select {
		case <-ctx.Done():
			lg.Printf("shutting down")
		case err := <-fsrv.serveFailed():
			runErr = fmt.Errorf("serve: %w", err)
			fsrv.done <- err
		}
	}
	stop()
	if err := <-playDone; err != nil && runErr == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, feeds.ErrClosed) {
		runErr = err
	}
	if err := fsrv.shutdown(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil {
		lg.Printf("stopped")
	}
	return runErr
}

func onOff(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// source is a replayable file.
type source interface {
	kind() string
	// each calls fn with the file's stations and readings in order.
	each(ctx context.Context, fn func(st *city.Station, rd *city.Reading) error) error
}

// openSource checks path and returns the source that reads it: a CSV when
// its header names the national air-quality columns, else a recording.
func openSource(path string) (source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	first, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	first = strings.TrimSpace(strings.TrimPrefix(first, "\ufeff"))
	if first == "" {
		return nil, fmt.Errorf("%s is empty or starts with an empty line", path)
	}
	if isAirCSVHeader(first) {
		rows, err := readAirCSV(path)
		if err != nil {
			return nil, err
		}
		return rows, nil
	}
	if _, err := feeds.Decode([]byte(first)); err != nil {
		return nil, fmt.Errorf("%s is neither a recording (line 1: %v) nor an air-quality CSV (no timepoint and stationcode columns)", path, err)
	}
	return recording(path), nil
}

// recording is a file written by feeds.Server (ServerConfig.Record).
type recording string

func (r recording) kind() string { return "recording" }

func (r recording) each(ctx context.Context, fn func(st *city.Station, rd *city.Reading) error) error {
	f, err := os.Open(string(r))
	if err != nil {
		return err
	}
	defer f.Close()
	err = feeds.ReadRecording(f, feeds.NewValidator(), fn)
	if err != nil && ctx.Err() == nil && !errors.Is(err, feeds.ErrClosed) {
		return fmt.Errorf("%s: %w", string(r), err)
	}
	return err
}

// play publishes the source through srv (the websocket server or a
// JetStream publisher), paced by the readings' times divided by the
// speed, once or in a loop.
func play(ctx context.Context, src source, srv sim.Publisher, rf replayFlags, lg *log.Logger) error {
	for pass := 1; ; pass++ {
		var (
			first     time.Time // observation time of the first reading
			latest    time.Time // the newest observation time so far
			wallStart time.Time
			readings  int
			rejected  int
		)
		err := src.each(ctx, func(st *city.Station, rd *city.Reading) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if st != nil {
				if err := srv.PutStation(*st); err != nil {
					if errors.Is(err, feeds.ErrClosed) {
						return err
					}
					rejected++
					lg.Printf("station %s refused: %v", st.ID, err)
				}
				return nil
			}
			if first.IsZero() {
				first, latest, wallStart = rd.Time, rd.Time, time.Now()
			}
			if rd.Time.After(latest) {
				latest = rd.Time
			}
			due := wallStart.Add(time.Duration(float64(latest.Sub(first)) / rf.speed))
			if !sleepUntil(ctx, due) {
				return ctx.Err()
			}
			r := *rd
			if rf.retime {
				r.Time = wallStart.Add(time.Duration(float64(rd.Time.Sub(first)) / rf.speed)).In(rd.Time.Location())
			}
			if _, err := srv.Publish(r); err != nil {
				if errors.Is(err, feeds.ErrClosed) {
					return err
				}
				rejected++
				lg.Printf("%s reading of %s at %s refused: %v", r.Feed, r.Station, rd.Time.Format(time.RFC3339), err)
				return nil
			}
			readings++
			return nil
		})
		if err != nil {
			return err
		}
		lg.Printf("pass %d done: %d readings, %d refused", pass, readings, rejected)
		if readings == 0 && rejected > 0 {
			return errors.New("nothing in the file was accepted")
		}
		if !rf.loop || readings == 0 {
			return nil
		}
		if !rf.retime {
			lg.Printf("looping without --retime: clients treat readings already seen as history")
		}
	}
}

// isAirCSVHeader reports whether a first line names the national
// real-time air-quality publication's columns.
func isAirCSVHeader(line string) bool {
	cols := map[string]bool{}
	for _, c := range strings.Split(line, ",") {
		cols[strings.ToLower(strings.Trim(strings.TrimSpace(c), `"`))] = true
	}
	return cols["timepoint"] && cols["stationcode"]
}

// problemsShown is how many line problems a message lists.
const problemsShown = 10

// listProblems formats line problems, shortened when many.
func listProblems(errs []error) string {
	var b bytes.Buffer
	for i, e := range errs {
		if i == problemsShown {
			fmt.Fprintf(&b, "\n  … and %d more", len(errs)-problemsShown)
			break
		}
		fmt.Fprintf(&b, "\n  %v", e)
	}
	return b.String()
}

// errorsAt refuses a file for its line problems.
func errorsAt(path, why string, errs []error) error {
	return fmt.Errorf("%s: %s (%d problems):%s", path, why, len(errs), listProblems(errs))
}
