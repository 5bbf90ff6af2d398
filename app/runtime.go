package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"onescreen/app/desk"
	"onescreen/app/ingest"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// Options configure the data path; main fills them from flags.
type Options struct {
	DataDir    string        // where the cache lives; "" → DefaultDataDir()
	FeedURL    string        // ws:// or wss:// feed server, or nats://host:port[,host:port…] (JetStream); "" → the embedded demo
	District   string        // the district whose JetStream streams a nats:// feed reads ("" → huangpu)
	JSDomain   string        // the JetStream domain holding them, when the feed is a leaf node ("" → none)
	Token      string        // bearer token for the feed server
	CAFile     string        // PEM file of the site CA for wss://
	Retention  time.Duration // how long readings are kept (0 → 30 days)
	StaleAfter time.Duration // when a connected feed's data counts as stale
	MaxBackoff time.Duration // longest wait between reconnection attempts (0 → the client's default)

	Site    *city.SiteConfig // site settings (LoadSiteConfig); nil → the documented defaults
	Officer string           // the duty officer recorded with alert steps
	// ReadOnly: a screen that shows alerts and steps but takes none and
	// sends none (a briefing wall): the desk refuses steps and the outbox
	// is not run.
	ReadOnly bool

	DemoScale    int           // demo: station count multiplier
	DemoInterval time.Duration // demo: reporting period
	DemoSeed     int64         // demo: incident seed (0 → from the clock)
}

// DefaultDataDir is the user's application data directory for onescreen:
// $XDG_DATA_HOME/onescreen (~/.local/share/onescreen) on Linux and the BSDs,
// ~/Library/Application Support/onescreen on macOS, %LocalAppData%\onescreen
// on Windows.
func DefaultDataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "onescreen"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("data directory: %w", err)
		}
		return filepath.Join(home, "Library", "Application Support", "onescreen"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "onescreen"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "onescreen"), nil
}

// The cache is the desk's store.
var (
	_ desk.AlertStore = (*cache.DB)(nil)
	_ desk.DutyStore  = (*cache.DB)(nil)
)

// Runtime is the running data path: feed client → ingest → cache.
type Runtime struct {
	Opts   Options
	DB     *cache.DB
	Ingest *ingest.Ingest
	Client *feeds.Client // the websocket client, when the feed is ws:// or wss://
	// Transport is the feed source the data path runs: Client, or a
	// JetStream consumer for a nats:// feed.
	Transport feeds.Transport
	Desk      *desk.AlertDesk
	Duty      *desk.DutyDesk // roster, handover and duty log (app/duty.go)
	Outbox    *ingest.Outbox
	Demo      *Demo // the in-process demo server, when no feed URL was given

	changes chan struct{} // signalled when an officer would see a change (Changes)

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errMu  sync.Mutex
	err    error
}

// Start opens the cache, starts the demo feed server when no feed URL is
// given, and connects the feed client. The data path runs until Close.
func Start(ctx context.Context, opts Options) (*Runtime, error) {
	if opts.DataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return nil, err
		}
		opts.DataDir = d
	}
	db, err := cache.Open(opts.DataDir, cache.Options{Retention: opts.Retention})
	if err != nil {
		return nil, fmt.Errorf("open cache in %s: %w", opts.DataDir, err)
	}
	rt := &Runtime{Opts: opts, DB: db, changes: make(chan struct{}, 1)}
	ok := false
	defer func() {
		if !ok {
			rt.Close()
		}
	}()
	if rt.Ingest, err = ingest.NewIngest(db, opts.StaleAfter); err != nil {
		return nil, fmt.Errorf("read cache: %w", err)
	}
	if opts.Site == nil {
		def := city.DefaultSiteConfig()
		opts.Site = &def
		rt.Opts.Site = opts.Site
	}
	if rt.Desk, err = desk.NewAlertDesk(db, *opts.Site); err != nil {
		return nil, err
	}
	rt.Desk.SetOfficer(opts.Officer)
	if rt.Duty, err = desk.NewDutyDesk(db, *opts.Site, rt.Desk); err != nil {
		return nil, err
	}
	rt.Desk.SetReadOnly(opts.ReadOnly)
	rt.Duty.SetReadOnly(opts.ReadOnly)
	rt.Desk.StoreStepsThrough(rt.Ingest)
	rt.Desk.OnChange(rt.signal)
	rt.Ingest.Observe(rt.Desk.Observe)
	rt.Ingest.OnPeerStep(rt.Desk.PeerStep)
	rt.Ingest.OnPeerCase(rt.Desk.PeerCaseStep)
	rt.Ingest.OnPeerDuty(rt.Duty.PeerDuty)
	ctx, rt.cancel = context.WithCancel(ctx)

	url := opts.FeedURL
	if url == "" {
		rt.Demo, err = StartDemo(ctx, DemoOptions{Token: opts.Token, Scale: opts.DemoScale, Interval: opts.DemoInterval, Seed: opts.DemoSeed,
			StepsFile: filepath.Join(opts.DataDir, DemoStepsFile)})
		if err != nil {
			return nil, err
		}
		url = rt.Demo.URL
	}
	v := feeds.NewValidator()
	for _, st := range rt.Ingest.KnownStations() {
		v.Know(st)
	}
	link := ingest.Link{URL: url, District: opts.District, JSDomain: opts.JSDomain, Token: opts.Token, CAFile: opts.CAFile, MaxBackoff: opts.MaxBackoff}
	if rt.Transport, rt.Client, err = ingest.NewTransport(link, rt.Ingest, v); err != nil {
		return nil, fmt.Errorf("feed client: %w", err)
	}
	rt.Outbox = ingest.NewOutbox(db, rt.Transport)
	rt.Ingest.OnAction(func(id string) {
		// an ack of an id the outbox no longer holds (acked before, or
		// sent by an earlier installation) needs nothing done
		if err := rt.Outbox.Acked(id); !errors.Is(err, cache.ErrNoOutboxItem) {
			rt.noteErr(err)
		}
	}, func(s feeds.ConnState) {
		rt.signal() // the feed badges change at once
		rt.Outbox.ConnState(s)
		if err := rt.Duty.ConnState(s, time.Now()); err != nil && !errors.Is(err, cache.ErrClosed) {
			rt.noteErr(err)
		}
	})
	rt.goRun(func() error { return rt.Ingest.Run(ctx) })
	if !opts.ReadOnly {
		rt.goRun(func() error { return rt.Outbox.Run(ctx) })
	}
	rt.goRun(func() error { return rt.runAlertRules(ctx) })
	rt.goRun(func() error { return rt.Transport.Run(ctx) })
	ok = true
	return rt, nil
}

func (rt *Runtime) goRun(fn func() error) {
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		if err := fn(); !errors.Is(err, context.Canceled) {
			rt.noteErr(err)
		}
	}()
}

// noteErr keeps the first error of the background work for Err and Close.
func (rt *Runtime) noteErr(err error) {
	if err == nil {
		return
	}
	rt.errMu.Lock()
	if rt.err == nil {
		rt.err = err
	}
	rt.errMu.Unlock()
}

// Err is the first error the background work met, if any.
func (rt *Runtime) Err() error {
	rt.errMu.Lock()
	defer rt.errMu.Unlock()
	return rt.err
}

// Site is the site configuration in force.
func (rt *Runtime) Site() city.SiteConfig { return *rt.Opts.Site }

// AlertViews lists the alerts for the panel.
func (rt *Runtime) AlertViews(now time.Time, closed bool) []desk.AlertView {
	return rt.Desk.Views(now, closed)
}

// alertTickEvery is how often the time-driven alert rules run (missed
// heartbeats, escalation of unacknowledged alerts).
const alertTickEvery = time.Second

// runAlertRules runs the time-driven alert rules until ctx ends, with or
// without a window.
func (rt *Runtime) runAlertRules(ctx context.Context) error {
	t := time.NewTicker(alertTickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			if err := rt.Desk.Tick(now); err != nil && !errors.Is(err, cache.ErrClosed) {
				return err
			}
			if _, err := rt.Desk.CaseTick(now); err != nil && !errors.Is(err, cache.ErrClosed) {
				return err
			}
		}
	}
}

// Close stops the client and the demo, commits what was received and closes
// the cache.
func (rt *Runtime) Close() error {
	if rt.cancel != nil {
		rt.cancel()
	}
	rt.wg.Wait()
	if rt.Demo != nil {
		rt.Demo.Close()
	}
	var err error
	if rt.DB != nil {
		err = rt.DB.Close()
	}
	rt.errMu.Lock()
	defer rt.errMu.Unlock()
	return errors.Join(rt.err, err)
}

// DemoOptions configure the embedded demo feed server.
type DemoOptions struct {
	Token    string
	Scale    int
	Interval time.Duration
	Seed     int64
	// StepsFile is the demo server's step log; "" keeps steps in memory.
	StepsFile string
}

// DemoStepsFile is the embedded demo server's step log, in the data
// directory.
const DemoStepsFile = "demo-steps.jsonl"

// Demo is the demo district's feed server, run in-process on a loopback
// port so that the demo laptop runs the same code path as the centre.
type Demo struct {
	URL    string
	Server *feeds.Server
	steps  *feeds.StepLog
	http   *http.Server
	done   chan struct{}
	mu     sync.Mutex
	err    error
}

// Err is the error that stopped the simulator, if any.
func (d *Demo) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// StartDemo serves the simulated Huangpu district on 127.0.0.1.
func StartDemo(ctx context.Context, o DemoOptions) (*Demo, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo feed server: %w", err)
	}
	var steps *feeds.StepLog
	if o.StepsFile != "" {
		var corrupt *feeds.CorruptStepLogError
		if steps, err = feeds.OpenStepLog(o.StepsFile); err != nil && !errors.As(err, &corrupt) {
			ln.Close()
			return nil, fmt.Errorf("demo feed server: %w", err)
		} // unreadable lines are skipped and left in the file; the demo carries on
		if steps != nil {
			// the demo keeps what a feed server keeps; a log with
			// unreadable lines is left as it is
			_, _ = steps.Compact(time.Now().Add(-feeds.DefaultStepKeep))
		}
	}
	srv := feeds.NewServer(feeds.ServerConfig{Token: o.Token, Steps: steps})
	seed := o.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	s := sim.New(sim.Config{Scale: o.Scale, Interval: o.Interval, Seed: seed})
	d := &Demo{
		URL:    "ws://" + ln.Addr().String() + feeds.StreamPath,
		Server: srv,
		steps:  steps,
		http:   &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second},
		done:   make(chan struct{}),
	}
	go func() { _ = d.http.Serve(ln) }()
	if err := s.Err(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("demo district: %w", err)
	}
	go func() {
		defer close(d.done)
		if err := s.Run(ctx, srv); err != nil {
			d.mu.Lock()
			d.err = err
			d.mu.Unlock()
		}
	}()
	return d, nil
}

// Close stops the demo server.
func (d *Demo) Close() {
	_ = d.Server.Close()
	_ = d.http.Close()
	<-d.done
	if d.steps != nil {
		_ = d.steps.Close()
	}
}

// Status is each feed's health now.
func (rt *Runtime) Status() []city.FeedStatus { return rt.Ingest.Status() }

// DataErr is the data path's problem now: the cache's last write error,
// the first error of the background work, the demo simulator's error.
func (rt *Runtime) DataErr() error {
	err := errors.Join(rt.Ingest.Err(), rt.Err())
	if rt.Demo != nil {
		err = errors.Join(err, rt.Demo.Err())
	}
	return err
}

// Changes is signalled when something an officer sees has changed: an
// alert raised or closed, a step taken here or at another desk, a case
// decided, the link to the feeds made or lost. Signals that come while
// one is waiting make one.
func (rt *Runtime) Changes() <-chan struct{} { return rt.changes }

func (rt *Runtime) signal() {
	select {
	case rt.changes <- struct{}{}:
	default:
	}
}
