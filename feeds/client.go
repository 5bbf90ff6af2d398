package feeds

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"onescreen/city"
	"onescreen/feeds/wire"
)

// Client defaults and timing.
const (
	// DefaultPingInterval is how often the client pings the server.
	DefaultPingInterval = 2 * time.Second
	// DefaultPongWait is how long the client waits for any message or pong
	// before it presumes the connection dead and reconnects.
	DefaultPongWait = 6 * time.Second
	// DefaultMinBackoff is the first reconnect delay (before jitter).
	DefaultMinBackoff = 500 * time.Millisecond
	// DefaultMaxBackoff caps the reconnect delay; it is also the delay
	// after the server refused the token.
	DefaultMaxBackoff = 30 * time.Second

	// handshakeTimeout bounds the TCP, TLS and websocket handshake.
	handshakeTimeout = 10 * time.Second
	// clientWriteWait is the longest one client frame may take to write.
	clientWriteWait = 5 * time.Second
	// stableConnection is how long a connection must have lasted for the
	// next reconnect to start again from MinBackoff.
	stableConnection = 10 * time.Second
	// actionQueueLen is how many actions may wait for the socket.
	actionQueueLen = 256
	// refusalBodyLimit is how much of an HTTP refusal's body is reported.
	refusalBodyLimit = 512
)

// ErrAuth means the feed server refused the token (HTTP 401 or 403). It is
// permanent until the token is changed; the client retries only at
// MaxBackoff.
var ErrAuth = errors.New("feed server refused the token")

// ErrNotConnected is returned by SendAction while no connection is up; the
// outbox keeps the action and tries again later.
var ErrNotConnected = errors.New("not connected to the feed server")

// ErrRefused marks an error message from the server about something the
// client sent.
var ErrRefused = errors.New("refused by the feed server")

// Handler receives what the client receives. Its methods are called from
// the client's reader goroutine, one at a time, in stream order; they
// should return quickly.
type Handler interface {
	Hello(epoch string)
	Station(st city.Station)
	Reading(r city.Reading, epoch string)
	Gap(g WireGap, epoch string)
	Reject(feed string, raw []byte, reason error)
	ActionAck(id string)
	State(s ConnState, err error) // Connecting, Connected, Disconnected, AuthFailed, Stopped
}

// ActionRefuser may be implemented by a Handler to learn that the server
// refused an action (it will never be acknowledged); otherwise the refusal
// is reported through Reject.
type ActionRefuser interface {
	ActionRefused(id, reason string)
}

// ClientConfig configures a client. Zero values take the defaults.
type ClientConfig struct {
	URL    string // ws:// or wss://; a URL without a path gets StreamPath
	Token  string // sent as Authorization: Bearer <token>
	CAFile string // PEM file of the CA(s) that sign a wss:// server's certificate; "" = the system's
	Feeds  []city.Feed
	// Cursors is asked on every (re)connect: the last seq held per feed
	// (from the cache). nil means nothing is held.
	Cursors   func() (map[city.Feed]Cursor, error)
	Handler   Handler
	ReadLimit int64 // biggest server frame accepted, in bytes; 0 = DefaultClientReadLimit
	// PingInterval and PongWait: a ping every PingInterval; a connection
	// silent (no message, no pong) for PongWait is presumed dead.
	PingInterval, PongWait time.Duration
	// MinBackoff and MaxBackoff bound the reconnect delay, which doubles
	// per failed attempt, with jitter.
	MinBackoff, MaxBackoff time.Duration
	Validator              *Validator // nil = NewValidator()
}

// Client is a resumable feed client: it dials, subscribes from the cursors
// the cache holds, hands what arrives to its Handler, and reconnects with
// backoff until its context ends.
type Client struct {
	cfg    ClientConfig
	url    string
	dialer *websocket.Dialer
	feeds  map[city.Feed]bool
	rnd    *rand.Rand // used by Run only

	mu      sync.Mutex
	out     chan []byte // the live connection's action queue; nil when none
	stepCur Cursor      // the step log epoch and the last step seq delivered (PeerStepObserver)
}

// NewClient checks cfg and returns a client; nothing is dialled until Run.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("feed URL %q: %w", cfg.URL, err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return nil, fmt.Errorf("feed URL %q: scheme must be ws or wss", cfg.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("feed URL %q: no host", cfg.URL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = StreamPath
	}
	if cfg.Handler == nil {
		return nil, errors.New("feed client: no handler")
	}
	if len(cfg.Feeds) == 0 {
		return nil, errors.New("feed client: no feeds to subscribe")
	}
	feeds := map[city.Feed]bool{}
	for _, f := range cfg.Feeds {
		if !f.Valid() {
			return nil, fmt.Errorf("feed client: unknown feed %q", f)
		}
		feeds[f] = true
	}
	if cfg.Cursors == nil {
		cfg.Cursors = func() (map[city.Feed]Cursor, error) { return nil, nil }
	}
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = DefaultClientReadLimit
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.PongWait <= 0 {
		cfg.PongWait = DefaultPongWait
	}
	if cfg.PongWait <= cfg.PingInterval {
		return nil, fmt.Errorf("feed client: PongWait %v must exceed PingInterval %v", cfg.PongWait, cfg.PingInterval)
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		return nil, fmt.Errorf("feed client: MaxBackoff %v below MinBackoff %v", cfg.MaxBackoff, cfg.MinBackoff)
	}
	if cfg.Validator == nil {
		cfg.Validator = NewValidator()
	}
	d := &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: handshakeTimeout, ReadBufferSize: 64 << 10}
	if cfg.CAFile != "" {
		if u.Scheme != "wss" {
			return nil, fmt.Errorf("feed client: a CA file is for wss:// URLs, not %q", cfg.URL)
		}
		pool, err := loadCAFile(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		d.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &Client{
		cfg: cfg, url: u.String(), dialer: d, feeds: feeds,
		rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}, nil
}

// loadCAFile reads a PEM file of CA certificates.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("feed client: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("feed client: CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// Run dials, reads and reconnects with backoff until ctx ends; then it
// reports Stopped and returns ctx's error.
func (c *Client) Run(ctx context.Context) error {
	attempt := 0
	for {
		c.cfg.Handler.State(Connecting, nil)
		lasted, err := c.session(ctx)
		if ctx.Err() != nil {
			c.cfg.Handler.State(Stopped, nil)
			return ctx.Err()
		}
		var wait time.Duration
		if errors.Is(err, ErrAuth) {
			c.cfg.Handler.State(AuthFailed, err)
			wait = c.cfg.MaxBackoff
		} else {
			c.cfg.Handler.State(Disconnected, err)
			if lasted >= stableConnection {
				attempt = 0
			}
			wait = backoff(attempt, c.cfg.MinBackoff, c.cfg.MaxBackoff, c.rnd)
			attempt++
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			c.cfg.Handler.State(Stopped, nil)
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff is the delay before reconnect attempt n (0-based): min doubled n
// times, capped at max, then "equal jitter": half of it fixed and half
// random, so that clients that lost the same server do not return at once.
func backoff(n int, min, max time.Duration, rnd *rand.Rand) time.Duration {
	d := max
	if n < 62 {
		if m := min << n; m > 0 && m < max {
			d = m
		}
	}
	half := d / 2
	return half + time.Duration(rnd.Int64N(int64(d-half)+1))
}

// SendAction queues an operator action for the live connection. It returns
// ErrNotConnected when there is none (the outbox retries later). A nil
// error means queued, not delivered: delivery is known by ActionAck.
func (c *Client) SendAction(a WireAction) error {
	if err := c.cfg.Validator.Action(&a); err != nil {
		return err
	}
	msg, err := Encode(Envelope{V: ProtocolVersion, Type: TypeAction, Action: &a})
	if err != nil {
		return err
	}
	c.mu.Lock()
	out := c.out
	c.mu.Unlock()
	if out == nil {
		return ErrNotConnected
	}
	select {
	case out <- msg:
		return nil
	default:
		return fmt.Errorf("%d actions already waiting for the socket: %w", actionQueueLen, ErrNotConnected)
	}
}

func (c *Client) setOut(out chan []byte) {
	c.mu.Lock()
	c.out = out
	c.mu.Unlock()
}

// session runs one connection: dial, subscribe, read until it fails. It
// returns how long the connection was up after hello.
func (c *Client) session(ctx context.Context) (time.Duration, error) {
	cursors, err := c.cfg.Cursors()
	if err != nil {
		return 0, fmt.Errorf("read cursors: %w", err)
	}
	hdr := http.Header{}
	if c.cfg.Token != "" {
		hdr.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	dctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	ws, resp, err := c.dialer.DialContext(dctx, c.url, hdr)
	cancel()
	if err != nil {
		return 0, c.dialError(resp, err)
	}
	s := &clientSession{
		c: c, ws: ws, cursors: cursors,
		last: map[city.Feed]uint64{},
		out:  make(chan []byte, actionQueueLen),
		done: make(chan struct{}),
	}
	defer c.setOut(nil)
	ws.SetReadLimit(c.cfg.ReadLimit)
	_ = ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait)) })

	sub := make(map[string]Cursor, len(c.feeds)+1)
	for f := range c.feeds {
		sub[string(f)] = cursors[f]
	}
	if _, ok := c.cfg.Handler.(PeerStepObserver); ok {
		cur, err := c.stepCursor()
		if err != nil {
			ws.Close()
			return 0, err
		}
		sub[StepsKey] = cur
	}
	msg, err := Encode(Envelope{V: ProtocolVersion, Type: TypeSubscribe, Subscribe: sub})
	if err != nil {
		ws.Close()
		return 0, err
	}
	_ = ws.SetWriteDeadline(time.Now().Add(clientWriteWait))
	if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		ws.Close()
		return 0, fmt.Errorf("send subscribe: %w", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.writeLoop(ctx)
	}()
	err = s.readLoop()
	close(s.done)
	ws.Close()
	wg.Wait()
	var lasted time.Duration
	if !s.helloAt.IsZero() {
		lasted = time.Since(s.helloAt)
	}
	return lasted, err
}

// dialError explains a failed dial; a 401 or 403 is ErrAuth.
func (c *Client) dialError(resp *http.Response, err error) error {
	if resp == nil {
		return fmt.Errorf("dial %s: %w", c.url, err)
	}
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, refusalBodyLimit))
		resp.Body.Close()
	}
	text := strings.TrimSpace(string(body))
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		if text == "" {
			text = "no reason given"
		}
		return fmt.Errorf("%w: %s answered HTTP %d %s: %s", ErrAuth, c.url, resp.StatusCode, http.StatusText(resp.StatusCode), text)
	}
	return fmt.Errorf("dial %s: HTTP %d %s %s: %w", c.url, resp.StatusCode, http.StatusText(resp.StatusCode), text, err)
}

// clientSession is one connection's state.
type clientSession struct {
	c       *Client
	ws      *websocket.Conn
	cursors map[city.Feed]Cursor
	epoch   string
	helloAt time.Time
	last    map[city.Feed]uint64 // newest seq seen per feed in this epoch
	out     chan []byte
	done    chan struct{}
}

// writeLoop owns data writes: pings and queued actions. When ctx ends it
// says goodbye and closes the socket, which ends the reader.
func (s *clientSession) writeLoop(ctx context.Context) {
	t := time.NewTicker(s.c.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-ctx.Done():
			_ = s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "client stopping"), time.Now().Add(clientWriteWait))
			s.ws.Close()
			return
		case <-t.C:
			if err := s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(clientWriteWait)); err != nil {
				s.ws.Close()
				return
			}
		case m := <-s.out:
			_ = s.ws.SetWriteDeadline(time.Now().Add(clientWriteWait))
			if err := s.ws.WriteMessage(websocket.TextMessage, m); err != nil {
				s.ws.Close()
				return
			}
		}
	}
}

// readLoop reads until the connection fails and says why.
func (s *clientSession) readLoop() error {
	for {
		_, raw, err := s.ws.ReadMessage()
		if err != nil {
			return s.readError(err)
		}
		_ = s.ws.SetReadDeadline(time.Now().Add(s.c.cfg.PongWait))
		s.handle(raw)
	}
}

// readError explains why reading stopped; a frame over a read limit is
// also reported as a rejection.
func (s *clientSession) readError(err error) error {
	h := s.c.cfg.Handler
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		reason := fmt.Sprintf("frame over the read limit of %d bytes; the connection was closed and resumes", s.c.cfg.ReadLimit)
		h.Reject("", nil, &RejectError{Reason: reason, Err: ErrTooBig})
		return fmt.Errorf("%s: %w", reason, ErrTooBig)
	case errors.As(err, &ce) && ce.Code == websocket.CloseMessageTooBig:
		reason := "the server closed the connection: a frame we sent was over its read limit"
		h.Reject("", nil, &RejectError{Reason: reason, Err: ErrTooBig})
		return fmt.Errorf("%s: %w", reason, ErrTooBig)
	case errors.As(err, &ce):
		if ce.Text != "" {
			return fmt.Errorf("the server closed the connection (%d): %s", ce.Code, ce.Text)
		}
		return fmt.Errorf("the server closed the connection (%d)", ce.Code)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no message or pong from the server for %v: connection presumed dead", s.c.cfg.PongWait)
	}
	return fmt.Errorf("read: %w", err)
}

// handle acts on one server frame. A batch is decoded in one pass when it
// is well formed; otherwise message by message, so that each bad message
// is rejected on its own.
func (s *clientSession) handle(raw []byte) {
	if msgs, ok := decodeBatchFast(raw); ok {
		var raws []json.RawMessage
		for i := range msgs {
			rawOf := func() []byte { // only needed to report a rejection
				if raws == nil {
					env, _ := Decode(raw)
					raws = env.Messages
				}
				if i < len(raws) {
					return raws[i]
				}
				return nil
			}
			if err := checkEnvelope(&msgs[i]); err != nil {
				s.c.cfg.Handler.Reject(rejectFeed(err), rawOf(), err)
				continue
			}
			s.dispatch(&msgs[i], true, rawOf)
		}
		return
	}
	s.handleOne(raw, false)
}

// handleOne decodes and acts on one message.
func (s *clientSession) handleOne(raw []byte, inBatch bool) {
	env, err := Decode(raw)
	if err != nil {
		feed := rejectFeed(err)
		if f := city.Feed(feed); s.c.feeds[f] && s.epoch != "" {
			if seq := peekSeq(raw); seq > 0 {
				s.advance(f, seq) // received, though unreadable: not a gap
			}
		}
		s.c.cfg.Handler.Reject(feed, raw, err)
		return
	}
	if env.Type == TypeBatch && !inBatch {
		for _, m := range env.Messages {
			s.handleOne(m, true)
		}
		return
	}
	s.dispatch(&env, inBatch, func() []byte { return raw })
}

// dispatch acts on one decoded message; rawOf gives its bytes for a
// rejection.
func (s *clientSession) dispatch(env *Envelope, inBatch bool, rawOf func() []byte) {
	h := s.c.cfg.Handler
	v := s.c.cfg.Validator
	if s.epoch == "" && env.Type != TypeHello && env.Type != TypeError && env.Type != TypeBatch {
		h.Reject("", rawOf(), reject("", "", ErrUnexpectedType, "%s message before hello", env.Type))
		return
	}
	switch env.Type {
	case TypeBatch:
		h.Reject("", rawOf(), reject("", "", ErrMalformed, "a batch inside a batch"))
	case TypeHello:
		if s.epoch != "" {
			h.Reject("", rawOf(), reject("", "", ErrUnexpectedType, "a second hello on one connection"))
			return
		}
		s.epoch = env.Epoch
		for f := range s.c.feeds {
			if cur := s.cursors[f]; cur.Epoch == s.epoch {
				s.last[f] = cur.After
			}
		}
		s.helloAt = time.Now()
		s.c.setOut(s.out)
		h.Hello(s.epoch)
		h.State(Connected, nil)
	case TypeStation:
		st, err := v.Station(env.Station)
		if err != nil {
			h.Reject(rejectFeed(err), rawOf(), err)
			return
		}
		h.Station(st)
	case TypeReading:
		s.reading(env.Reading, rawOf)
	case TypeGap:
		if err := v.Gap(env.Gap); err != nil {
			h.Reject(rejectFeed(err), rawOf(), err)
			return
		}
		f := city.Feed(env.Gap.Feed)
		if !s.c.feeds[f] {
			h.Reject(string(f), rawOf(), reject(string(f), "", ErrUnexpectedType, "gap for the %s feed, which was not subscribed", f))
			return
		}
		h.Gap(*env.Gap, s.epoch)
		s.last[f] = max(s.last[f], env.Gap.To)
	case TypeHeartbeat:
		if env.Epoch != s.epoch {
			h.Reject("", rawOf(), reject("", "", ErrField, "heartbeat of epoch %q on a connection of epoch %q", env.Epoch, s.epoch))
		}
	case TypeActionAck:
		h.ActionAck(env.ID)
	case TypeStep:
		s.step(env, rawOf)
	case TypeError:
		if r, ok := h.(ActionRefuser); ok && env.ID != "" {
			r.ActionRefused(env.ID, env.Error)
			return
		}
		if env.Code == CodeUnknownFeed && env.Feed == StepsKey {
			return // a server that does not relay steps: this desk sees only its own
		}
		feed := env.Feed
		if !city.Feed(feed).Valid() {
			feed = ""
		}
		reason := "the server reports: " + env.Error
		if env.Code != "" {
			reason += " (" + env.Code + ")"
		}
		h.Reject(feed, rawOf(), &RejectError{Feed: feed, Reason: reason, Err: ErrRefused})
	default:
		h.Reject("", rawOf(), reject("", "", ErrUnexpectedType, "a server does not send %q messages", env.Type))
	}
}

// reading checks a reading's place in its feed's sequence, then validates
// and delivers it. A seq already held is dropped; a jump past the next seq
// without a gap notice is recorded as a gap.
func (s *clientSession) reading(wr *WireReading, rawOf func() []byte) {
	h := s.c.cfg.Handler
	f := city.Feed(wr.Feed)
	if f.Valid() && !s.c.feeds[f] {
		h.Reject(string(f), rawOf(), reject(string(f), wr.Station, ErrUnexpectedType, "reading of the %s feed, which was not subscribed", f))
		return
	}
	if f.Valid() && wr.Seq > 0 && !s.advance(f, wr.Seq) {
		return // held already: a resend after resume
	}
	r, err := s.c.cfg.Validator.Reading(wr)
	if err != nil {
		h.Reject(rejectFeed(err), rawOf(), err)
		return
	}
	h.Reading(r, s.epoch)
}

// advance moves a feed's sequence to seq and reports whether seq is new.
// A jump past the next seq without a gap notice is recorded as a gap.
func (s *clientSession) advance(f city.Feed, seq uint64) bool {
	last := s.last[f]
	if seq <= last {
		return false
	}
	if seq > last+1 {
		s.c.cfg.Handler.Gap(WireGap{Feed: string(f), From: last + 1, To: seq - 1}, s.epoch)
	}
	s.last[f] = seq
	return true
}

// rejectFeed is the feed a rejection is counted against ("" if unknown).
func rejectFeed(err error) string {
	var re *RejectError
	if errors.As(err, &re) {
		return re.Feed
	}
	return ""
}

// ConnState is the state of the client's connection (wire.ConnState).
type ConnState = wire.ConnState

// Connection states reported through Handler.State.
const (
	Connecting   = wire.Connecting
	Connected    = wire.Connected
	Disconnected = wire.Disconnected
	AuthFailed   = wire.AuthFailed
	Stopped      = wire.Stopped
)
