package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"onescreen/feeds"
)

// Timing of the server process.
const (
	statsEvery      = 10 * time.Second // one log line with readings/s and clients
	shutdownTimeout = 5 * time.Second  // longest wait for HTTP connections to end
	readHeaderWait  = 10 * time.Second // longest wait for a request's headers
)

// listenFlags are the flags serve and replay share.
type listenFlags struct {
	addr         string
	token        string
	cert, key    string
	replayBuffer int
	steps        string
	stepsKeep    time.Duration
}

func (l *listenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.addr, "addr", "127.0.0.1:8765", "address to listen on")
	fs.StringVar(&l.token, "token", os.Getenv("CITYFEED_TOKEN"), "bearer token clients must send")
	fs.StringVar(&l.cert, "cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&l.key, "key", "", "TLS key file (PEM)")
	fs.IntVar(&l.replayBuffer, "replay-buffer", feeds.DefaultReplayPerFeed, "readings kept per feed for resuming clients")
	fs.StringVar(&l.steps, "steps", "", "keep the officers' steps in this step log (JSON lines), reloaded on restart")
	fs.DurationVar(&l.stepsKeep, "steps-keep", feeds.DefaultStepKeep, "drop the steps taken longer ago than this from the step log, at start and once a day (0: keep all)")
}

// stepsCompactEvery is how often a running server compacts its step log.
const stepsCompactEvery = 24 * time.Hour

// openSteps opens the step log at path ("": one kept in memory for this
// run). Lines it cannot read are logged, left in the file and skipped; the
// others are loaded. With keep > 0 the steps older than keep are dropped
// now and once a day until ctx ends, from a log in memory too.
func openSteps(ctx context.Context, path string, keep time.Duration, lg interface{ Printf(string, ...any) }) (*feeds.StepLog, error) {
	var l *feeds.StepLog
	if path == "" {
		l = feeds.NewMemoryStepLog("")
	} else {
		var err error
		l, err = feeds.OpenStepLog(path)
		var corrupt *feeds.CorruptStepLogError
		if errors.As(err, &corrupt) {
			lg.Printf("%v", err)
			err = nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: --steps: %v", errUsage, err)
		}
	}
	name := path
	if name == "" {
		name = "(in memory)"
	}
	compact := func() {
		n, err := l.Compact(time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			lg.Printf("%v", err)
		case n > 0:
			lg.Printf("step log %s: %d steps taken more than %v ago dropped; it holds steps %d to %d", name, n, keep, l.First(), l.Last())
		}
	}
	if keep > 0 {
		compact()
		go func() {
			t := time.NewTicker(stepsCompactEvery)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					compact()
				}
			}
		}()
	}
	lg.Printf("step log %s: %d steps (epoch %s)", name, l.Len(), l.Epoch())
	return l, nil
}

// check validates the shared flags and loads the TLS pair.
func (l *listenFlags) check() (*tls.Config, error) {
	if l.addr == "" {
		return nil, fmt.Errorf("%w: --addr is empty", errUsage)
	}
	if _, _, err := net.SplitHostPort(l.addr); err != nil {
		return nil, fmt.Errorf("%w: --addr %q: %v", errUsage, l.addr, err)
	}
	if l.stepsKeep < 0 {
		return nil, fmt.Errorf("%w: --steps-keep %v: must not be negative", errUsage, l.stepsKeep)
	}
	if l.replayBuffer < 1 {
		return nil, fmt.Errorf("%w: --replay-buffer %d: must be at least 1", errUsage, l.replayBuffer)
	}
	if strings.ContainsAny(l.token, " \t\r\n") {
		return nil, fmt.Errorf("%w: --token must not contain spaces", errUsage)
	}
	if (l.cert == "") != (l.key == "") {
		return nil, fmt.Errorf("%w: --cert and --key go together", errUsage)
	}
	if l.cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(l.cert, l.key)
	if err != nil {
		return nil, fmt.Errorf("%w: load TLS certificate %s and key %s: %v", errUsage, l.cert, l.key, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// parseFlags parses args into fs, turning flag errors into usage errors.
// Positional arguments are returned; flags may come before or after them.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, fmt.Errorf("%w: %s takes the flags shown by 'cityfeed help'", errUsage, fs.Name())
			}
			return nil, fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// feedServer is a feeds.Server listening on a socket.
type feedServer struct {
	srv  *feeds.Server
	http *http.Server
	ln   net.Listener
	url  string
	log  *log.Logger
	done chan error // the HTTP server's end
}

// listen starts serving srv; it logs the stream URL once listening.
func listen(l *listenFlags, tlsCfg *tls.Config, srv *feeds.Server, lg *log.Logger) (*feedServer, error) {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", l.addr, err)
	}
	scheme := "ws"
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		scheme = "wss"
	}
	fs := &feedServer{
		srv: srv, ln: ln, log: lg, done: make(chan error, 1),
		url: fmt.Sprintf("%s://%s%s", scheme, ln.Addr(), feeds.StreamPath),
		http: &http.Server{
			Handler:           srv,
			ReadHeaderTimeout: readHeaderWait,
			ErrorLog:          lg,
		},
	}
	go func() { fs.done <- fs.http.Serve(ln) }()
	auth := "no token"
	if l.token != "" {
		auth = "bearer token required"
	}
	lg.Printf("listening on %s (epoch %s, %s)", fs.url, srv.Epoch(), auth)
	return fs, nil
}

// logStats logs readings per second and clients every statsEvery until
// ctx is done.
func (f *feedServer) logStats(ctx context.Context) {
	t := time.NewTicker(statsEvery)
	defer t.Stop()
	last, lastAt := sumLatest(f.srv), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			st := f.srv.Stats()
			n := sumLatest(f.srv)
			rate := float64(n-last) / now.Sub(lastAt).Seconds()
			last, lastAt = n, now
			f.log.Printf("%.0f readings/s, %d clients, %d stations, %d readings in all", rate, st.Clients, st.Stations, n)
			if st.RecordErr != nil {
				f.log.Printf("recording failed: %v", st.RecordErr)
			}
			if st.StepFailures > 0 {
				f.log.Printf("step log: %d officer steps could not be written and were not acknowledged", st.StepFailures)
			}
		}
	}
}

func sumLatest(s *feeds.Server) uint64 {
	var n uint64
	for _, v := range s.Stats().Latest {
		n += v
	}
	return n
}

// shutdown disconnects the clients, stops the HTTP server and flushes the
// recording; it returns the first error.
func (f *feedServer) shutdown() error {
	errRec := f.srv.Close() // clients get close code 1001; recording flushed
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	errHTTP := f.http.Shutdown(ctx)
	if err := <-f.done; err != nil && !errors.Is(err, http.ErrServerClosed) && errHTTP == nil {
		errHTTP = err
	}
	if errRec != nil {
		return fmt.Errorf("flush recording: %w", errRec)
	}
	if errHTTP != nil {
		return fmt.Errorf("stop HTTP server: %w", errHTTP)
	}
	return nil
}

// serveFailed returns the HTTP server's error if it stopped by itself.
func (f *feedServer) serveFailed() <-chan error { return f.done }

func newLogger(w io.Writer) *log.Logger {
	return log.New(w, "cityfeed: ", log.LstdFlags)
}
