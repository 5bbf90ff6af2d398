package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"time"

	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// natsFlags are the flags that publish into NATS JetStream instead of
// serving the websocket.
type natsFlags struct {
	url      string
	district string
	replicas int
	maxAge   time.Duration
	domain   string
}

func (n *natsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.url, "nats", "", "publish into NATS JetStream at nats://host:4222[,host2:4222…] instead of serving the websocket")
	fs.StringVar(&n.district, "district", feeds.DefaultDistrict, "with --nats: the district, naming the streams (ONESCREEN_<DISTRICT>) and subjects (onescreen.<district>.…)")
	fs.IntVar(&n.replicas, "replicas", 1, "with --nats: copies of each stream when it is created, 1 or 3 (a cluster)")
	fs.StringVar(&n.domain, "js-domain", "", "with --nats: the JetStream domain of the servers holding the streams (for a publisher on a leaf node)")
	fs.DurationVar(&n.maxAge, "max-age", feeds.DefaultReadingsMaxAge, "with --nats: how long the readings stream keeps readings when it is created")
}

// check validates the flags; it returns the server URLs.
func (n *natsFlags) check() ([]string, error) {
	urls, err := feeds.ParseNATSURLs(n.url)
	if err != nil {
		return nil, fmt.Errorf("%w: --nats: %v", errUsage, err)
	}
	if n.replicas != 1 && n.replicas != 3 {
		return nil, fmt.Errorf("%w: --replicas %d: want 1 or 3", errUsage, n.replicas)
	}
	if n.maxAge <= 0 {
		return nil, fmt.Errorf("%w: --max-age %v: must be positive", errUsage, n.maxAge)
	}
	if _, err := feeds.DistrictSubjects(n.district); err != nil {
		return nil, fmt.Errorf("%w: --district: %v", errUsage, err)
	}
	return urls, nil
}

// connectNATS connects the publisher and makes the district's streams
// when missing.
func connectNATS(ctx context.Context, n *natsFlags, token string, lg *log.Logger) (*feeds.JetStreamPublisher, error) {
	urls, err := n.check()
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := feeds.NewJetStreamPublisher(cctx, feeds.JetStreamPublisherConfig{
		URLs: urls, District: n.district, Domain: n.domain, Token: token, Replicas: n.replicas, MaxAge: n.maxAge, Logf: lg.Printf,
	})
	if err != nil {
		return nil, err
	}
	s := p.Subjects()
	lg.Printf("publishing into JetStream at %s: streams %s, %s, %s (R%d)", n.url, s.Readings, s.Stations, s.Steps, n.replicas)
	return p, nil
}

// logNATSStats logs readings per second every statsEvery until ctx is done.
func logNATSStats(ctx context.Context, p *feeds.JetStreamPublisher, lg *log.Logger) {
	t := time.NewTicker(statsEvery)
	defer t.Stop()
	_, last, _ := p.Counts()
	lastAt := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			pub, acked, retried := p.Counts()
			lg.Printf("%.0f readings/s acked, %d published, %d acked, %d sent again after a failed ack, %d refused by NATS for good",
				float64(acked-last)/now.Sub(lastAt).Seconds(), pub, acked, retried, p.Rejected())
			last, lastAt = acked, now
		}
	}
}

// closeNATS waits for the outstanding acks and disconnects.
func closeNATS(p *feeds.JetStreamPublisher, lg *log.Logger) error {
	err := p.Close(shutdownTimeout)
	pub, acked, retried := p.Counts()
	lg.Printf("JetStream: %d readings published, %d acked, %d sent again, %d messages refused by NATS for good", pub, acked, retried, p.Rejected())
	if err != nil {
		return fmt.Errorf("JetStream: %w", err)
	}
	return nil
}

// serveNATS runs the simulator into JetStream until ctx is done.
func serveNATS(ctx context.Context, n *natsFlags, token string, cfg sim.Config, seed int64, lg *log.Logger) error {
	simulator := sim.New(cfg)
	if err := simulator.Err(); err != nil {
		return err
	}
	p, err := connectNATS(ctx, n, token, lg)
	if err != nil {
		return err
	}
	lg.Printf("simulating Huangpu: %d stations, every %v, seed %d", len(simulator.Stations()), simulator.Config().Interval, seed)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	// Ctrl-C while NATS does not answer: a publish blocked on its full
	// window returns, instead of holding the shutdown forever
	defer context.AfterFunc(runCtx, p.Stop)()
	go logNATSStats(runCtx, p, lg)
	err = simulator.Run(runCtx, p)
	if ctx.Err() != nil {
		lg.Printf("shutting down")
		err = nil
	}
	if err != nil && !errors.Is(err, feeds.ErrClosed) {
		err = fmt.Errorf("simulator: %w", err)
	}
	if cerr := closeNATS(p, lg); err == nil {
		err = cerr
	}
	if err == nil {
		lg.Printf("stopped")
	}
	return err
}

// replayNATS plays a file into JetStream once (or in a loop) and returns.
func replayNATS(ctx context.Context, n *natsFlags, token string, src source, rf replayFlags, lg *log.Logger) error {
	p, err := connectNATS(ctx, n, token, lg)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	// Ctrl-C while NATS does not answer: a publish blocked on its full
	// window returns, instead of holding the shutdown forever
	defer context.AfterFunc(runCtx, p.Stop)()
	go logNATSStats(runCtx, p, lg)
	err = play(runCtx, src, p, rf, lg)
	if ctx.Err() != nil {
		lg.Printf("shutting down")
		err = nil
	}
	if cerr := closeNATS(p, lg); err == nil {
		err = cerr
	}
	if err == nil {
		lg.Printf("stopped")
	}
	return err
}
