package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// serve runs the simulated demo district until ctx is done.
func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var l listenFlags
	l.register(fs)
	scale := fs.Int("scale", 1, "multiply the stations of every feed")
	interval := fs.Duration("interval", sim.DefaultInterval, "reporting period")
	seed := fs.Int64("seed", 1, "seed of the simulated values and incidents")
	record := fs.String("record", "", "write every station and reading to this file")
	var nf natsFlags
	nf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, pos)
	}
	tlsCfg, err := l.check()
	if err != nil {
		return err
	}
	cfg := sim.Config{Scale: *scale, Interval: *interval, Seed: *seed}
	if *scale < 1 {
		return fmt.Errorf("%w: --scale %d: must be at least 1", errUsage, *scale)
	}
	if *interval <= 0 {
		return fmt.Errorf("%w: --interval %v: must be positive", errUsage, *interval)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: --%v", errUsage, err)
	}

	lg := newLogger(stderr)
	if nf.url != "" {
		if *record != "" || l.cert != "" {
			return fmt.Errorf("%w: --record and --cert are for the websocket server, not --nats", errUsage)
		}
		return serveNATS(ctx, &nf, l.token, cfg, *seed, lg)
	}
	var rec *os.File
	if *record != "" {
		rec, err = os.Create(*record)
		if err != nil {
			return fmt.Errorf("%w: --record: %v", errUsage, err)
		}
	}
	if l.steps == "" && *record != "" {
		l.steps = *record + ".steps" // beside the recording, which starts afresh each run
	}
	steps, err := openSteps(ctx, l.steps, l.stepsKeep, lg)
	if err != nil {
		closeRecording(rec, lg)
		return err
	}
	defer func() {
		if steps != nil {
			steps.Close()
		}
	}()
	srvCfg := feeds.ServerConfig{Token: l.token, ReplayPerFeed: l.replayBuffer, Logf: lg.Printf, Steps: steps,
		OnAction: func(a feeds.WireAction) {
			if feeds.IsDutyStep(a.Step) {
				lg.Printf("duty %s for %s by %s: %.80s", a.Step, a.Alert, a.Officer, a.Note)
				return
			}
			lg.Printf("action %s on alert %s by %s", a.Step, a.Alert, a.Officer)
		}}
	if rec != nil {
		srvCfg.Record = rec
	}
	srv := feeds.NewServer(srvCfg)
	simulator := sim.New(cfg)
	if err := simulator.Err(); err != nil {
		srv.Close()
		closeRecording(rec, lg)
		return err
	}
	fsrv, err := listen(&l, tlsCfg, srv, lg)
	if err != nil {
		srv.Close()
		closeRecording(rec, lg)
		return err
	}
	lg.Printf("simulating Huangpu: %d stations, every %v, seed %d", len(simulator.Stations()), simulator.Config().Interval, *seed)
	if rec != nil {
		lg.Printf("recording to %s", *record)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	simDone := make(chan error, 1)
	go func() { simDone <- simulator.Run(runCtx, srv) }()
	go fsrv.logStats(runCtx)

	var runErr error
	select {
	case <-ctx.Done():
		lg.Printf("shutting down")
	case err := <-simDone:
		simDone <- err
		runErr = fmt.Errorf("simulator: %w", err)
	case err := <-fsrv.serveFailed():
		runErr = fmt.Errorf("serve: %w", err)
		fsrv.done <- err
	}
	stop()
	if err := <-simDone; err != nil && runErr == nil && !errors.Is(err, feeds.ErrClosed) {
		runErr = fmt.Errorf("simulator: %w", err)
	}
	if err := fsrv.shutdown(); err != nil && runErr == nil {
		runErr = err
	}
	if err := closeRecording(rec, lg); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil {
		lg.Printf("stopped")
	}
	return runErr
}

// closeRecording syncs and closes the recording file, if any.
func closeRecording(f *os.File, lg interface{ Printf(string, ...any) }) error {
	if f == nil {
		return nil
	}
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close recording %s: %w", f.Name(), err)
	}
	lg.Printf("recording %s closed", f.Name())
	return nil
}

// sleepUntil waits until t or until ctx is done (then it returns false).
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}
