package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"onescreen/city"
	"onescreen/feeds"
)

// binPath is the cityfeed binary built for the tests.
var binPath string

// buildFlags are added to go build (see race_test.go).
var buildFlags []string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cityfeed-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "cityfeed")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-o", binPath, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build cityfeed:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running cityfeed.
type proc struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs bytes.Buffer
	exit chan error
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

var listeningRE = regexp.MustCompile(`listening on (wss?://[^ ]+/v1/stream)`)

// start runs cityfeed with args and waits until it listens.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binPath, args...), exit: make(chan error, 1)}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		p.exit <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
		}
	})
	select {
	case p.url = <-urls:
		return p
	case err := <-p.exit:
		t.Fatalf("cityfeed %v exited before listening (%v):\n%s", args, err, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("cityfeed %v did not listen within 30 s:\n%s", args, p.log())
	}
	return nil
}

// stop sends SIGINT and wants a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exit:
		if err != nil {
			t.Errorf("cityfeed exited with %v after SIGINT:\n%s", err, p.log())
		}
		if !strings.Contains(p.log(), "stopped") {
			t.Errorf("no clean stop in the log:\n%s", p.log())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("cityfeed did not stop within 15 s of SIGINT:\n%s", p.log())
	}
}

// stream is a subscribed websocket client.
type stream struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, url, token string, tlsCfg *tls.Config) *stream {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, TLSClientConfig: tlsCfg}
	ws, resp, err := d.Dial(url, h)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", url, err, code)
	}
	ws.SetReadLimit(feeds.DefaultClientReadLimit)
	t.Cleanup(func() { ws.Close() })
	sub := map[string]feeds.Cursor{}
	for _, f := range city.Feeds {
		sub[string(f)] = feeds.Cursor{}
	}
	msg, err := feeds.Encode(feeds.Envelope{V: feeds.ProtocolVersion, Type: feeds.TypeSubscribe, Subscribe: sub})
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		t.Fatal(err)
	}
	return &stream{t: t, ws: ws}
}

// collect reads messages (unpacking batches) until done says so or the
// deadline passes; it returns every message read.
func (s *stream) collect(within time.Duration, done func([]feeds.Envelope) bool) []feeds.Envelope {
	s.t.Helper()
	var got []feeds.Envelope
	deadline := time.Now().Add(within)
	for !done(got) {
		_ = s.ws.SetReadDeadline(deadline)
		_, raw, err := s.ws.ReadMessage()
		if err != nil {
			s.t.Fatalf("read after %d messages: %v", len(got), err)
		}
		env, err := feeds.Decode(raw)
		if err != nil {
			s.t.Fatalf("decode %.200s: %v", raw, err)
		}
		if env.Type != feeds.TypeBatch {
			got = append(got, env)
			continue
		}
		for _, m := range env.Messages {
			e, err := feeds.Decode(m)
			if err != nil {
				s.t.Fatalf("decode %.200s: %v", m, err)
			}
			got = append(got, e)
		}
	}
	return got
}

type tally struct {
	hello    int
	stations map[string]int // by feed
	readings map[string]int // by feed
	ids      map[string]bool
}

func count(envs []feeds.Envelope) tally {
	t := tally{stations: map[string]int{}, readings: map[string]int{}, ids: map[string]bool{}}
	for _, e := range envs {
		switch e.Type {
		case feeds.TypeHello:
			t.hello++
		case feeds.TypeStation:
			if !t.ids[e.Station.ID] {
				t.stations[e.Station.Feed]++
			}
			t.ids[e.Station.ID] = true
		case feeds.TypeReading:
			t.readings[e.Reading.Feed]++
		}
	}
	return t
}

func readingsIn(envs []feeds.Envelope) []*feeds.WireReading {
	var out []*feeds.WireReading
	for _, e := range envs {
		if e.Type == feeds.TypeReading {
			out = append(out, e.Reading)
		}
	}
	return out
}

func TestServeThenReplay(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "demo.jsonl")
	p := start(t, "serve", "--addr", "127.0.0.1:0", "--interval", "100ms", "--seed", "3", "--token", "s3cret", "--record", rec)

	// without the token: 401
	_, resp, err := websocket.DefaultDialer.Dial(p.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Errorf("dial without token: err %v, HTTP %d; want 401", err, code)
	}

	s := dial(t, p.url, "s3cret", nil)
	// 15 ticks of the four crowd zones: about 1.5 s of the demo
	envs := s.collect(20*time.Second, func(e []feeds.Envelope) bool {
		c := count(e)
		for _, f := range city.Feeds {
			if c.readings[string(f)] < 3 {
				return false
			}
		}
		return c.readings["crowd"] >= 4*15
	})
	if envs[0].Type != feeds.TypeHello || envs[0].Epoch == "" {
		t.Errorf("first message %q (epoch %q), want hello with an epoch", envs[0].Type, envs[0].Epoch)
	}
	c := count(envs)
	want := map[string]int{"air": 5, "water": 3, "noise": 8, "fire": 60, "crowd": 4}
	for f, n := range want {
		if c.stations[f] != n {
			t.Errorf("%s stations = %d, want %d", f, c.stations[f], n)
		}
	}
	for _, r := range readingsIn(envs) {
		if !c.ids[r.Station] {
			t.Errorf("reading of %s before its station", r.Station)
		}
		if _, err := time.Parse(time.RFC3339, r.Time); err != nil || !strings.HasSuffix(r.Time, "+08:00") {
			t.Errorf("reading time %q, want RFC 3339 in +08:00", r.Time)
		}
	}
	p.stop(t)
	// the client was told the server is going away
	_ = s.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := s.ws.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
				t.Errorf("after shutdown the client read %v, want close 1001", err)
			}
			break
		}
	}

	// the recording holds every station and the readings published
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	var recStations, recReadings int
	var recFirst, recLast time.Time
	recTimes := map[string]bool{}
	err = feeds.ReadRecording(bytes.NewReader(b), feeds.NewValidator(), func(st *city.Station, rd *city.Reading) error {
		if st != nil {
			recStations++
		} else {
			recReadings++
			recTimes[rd.Station+" "+rd.Time.Format(time.RFC3339Nano)] = true
			if recFirst.IsZero() || rd.Time.Before(recFirst) {
				recFirst = rd.Time
			}
			if rd.Time.After(recLast) {
				recLast = rd.Time
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read recording: %v", err)
	}
	if recStations != 80 || recReadings < c.readings["fire"] {
		t.Fatalf("recording has %d stations and %d readings, want 80 and at least %d", recStations, recReadings, c.readings["fire"])
	}

	t.Run("replay", func(t *testing.T) {
		const speed = 2
		p := start(t, "replay", rec, "--speed", fmt.Sprint(speed), "--addr", "127.0.0.1:0")
		s := dial(t, p.url, "", nil)
		var firstAt time.Time
		envs := s.collect(20*time.Second, func(e []feeds.Envelope) bool {
			n := len(readingsIn(e))
			if n > 0 && firstAt.IsZero() {
				firstAt = time.Now()
			}
			return n >= recReadings
		})
		// paced: the recorded span divided by the speed, give or take
		span := recLast.Sub(recFirst) / speed
		if took := time.Since(firstAt); took < span/2 || took > span*3+2*time.Second {
			t.Errorf("replay of a %v recording at %dx took %v, want about %v", recLast.Sub(recFirst), speed, took, span)
		}
		c := count(envs)
		if len(c.ids) != 80 {
			t.Errorf("replay described %d stations, want 80", len(c.ids))
		}
		for _, r := range readingsIn(envs) {
			tm, err := time.Parse(time.RFC3339Nano, r.Time)
			if err != nil {
				t.Fatal(err)
			}
			if !recTimes[r.Station+" "+tm.Format(time.RFC3339Nano)] {
				t.Errorf("replayed reading %s at %s is not in the recording", r.Station, r.Time)
			}
		}
		p.stop(t)
		if !strings.Contains(p.log(), fmt.Sprintf("pass 1 done: %d readings, 0 refused", recReadings)) {
			t.Errorf("replay log lacks the pass summary:\n%s", p.log())
		}
	})

	t.Run("replay loop retimed", func(t *testing.T) {
		p := start(t, "replay", "--loop", "--retime", "--speed", "50", "--addr", "127.0.0.1:0", rec)
		s := dial(t, p.url, "", nil)
		envs := s.collect(30*time.Second, func(e []feeds.Envelope) bool { return len(readingsIn(e)) > 2*recReadings })
		now := time.Now()
		for _, r := range readingsIn(envs) {
			tm, err := time.Parse(time.RFC3339Nano, r.Time)
			if err != nil {
				t.Fatal(err)
			}
			if d := now.Sub(tm); d < -time.Second || d > time.Minute {
				t.Errorf("retimed reading %s at %s, %v from now; want within a minute", r.Station, r.Time, d)
				break
			}
		}
		p.stop(t)
		if !strings.Contains(p.log(), "pass 2 done") {
			t.Errorf("no second pass in the log:\n%s", p.log())
		}
	})
}

func TestReplayAirCSV(t *testing.T) {
	p := start(t, "replay", filepath.Join("testdata", "air_realtime_shanghai.csv"), "--speed", "36000", "--addr", "127.0.0.1:0")
	s := dial(t, p.url, "", nil)
	envs := s.collect(20*time.Second, func(e []feeds.Envelope) bool { return len(readingsIn(e)) >= 12 })
	c := count(envs)
	for _, id := range []string{"air-1141A", "air-1142A", "air-1145A", "air-1147A"} {
		if !c.ids[id] {
			t.Errorf("station %s missing", id)
		}
	}
	if c.ids["air-1001A"] {
		t.Error("the Beijing station was served; it lies outside the area")
	}
	got := map[string]*feeds.WireReading{}
	for _, r := range readingsIn(envs) {
		got[r.Station+" "+r.Time] = r
	}
	tests := []struct {
		key     string
		param   string
		want    string // "" = missing
		wantUnt string
	}{
		{"air-1142A 2026-04-21T08:00:00+08:00", city.ParamPM25, "44", "µg/m³"},
		{"air-1142A 2026-04-21T08:00:00+08:00", city.ParamCO, "0.8", "mg/m³"},
		{"air-1142A 2026-04-21T08:00:00+08:00", city.ParamPM25h, "35", "µg/m³"},
		{"air-1142A 2026-04-21T08:00:00+08:00", city.ParamO38h, "55", "µg/m³"},
		{"air-1145A 2026-04-21T09:00:00+08:00", city.ParamNO2, "", ""},
		{"air-1145A 2026-04-21T09:00:00+08:00", city.ParamPM10, "", ""},
		{"air-1145A 2026-04-21T09:00:00+08:00", city.ParamO3, "35", "µg/m³"},
		{"air-1147A 2026-04-21T10:00:00+08:00", city.ParamCO, "", ""},
		{"air-1141A 2026-04-21T10:00:00+08:00", city.ParamSO2, "6", "µg/m³"},
	}
	for _, tt := range tests {
		r, ok := got[tt.key]
		if !ok {
			t.Errorf("no reading %s (got %d readings)", tt.key, len(got))
			continue
		}
		v, ok := r.Values[tt.param]
		switch {
		case tt.want == "" && ok:
			t.Errorf("%s %s = %v, want missing", tt.key, tt.param, v.V)
		case tt.want != "" && !ok:
			t.Errorf("%s %s missing, want %s", tt.key, tt.param, tt.want)
		case tt.want != "" && (string(v.V) != tt.want || v.Unit != tt.wantUnt):
			t.Errorf("%s %s = %s %s, want %s %s", tt.key, tt.param, v.V, v.Unit, tt.want, tt.wantUnt)
		}
	}
	p.stop(t)
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	p := start(t, "serve", "--addr", "127.0.0.1:0", "--interval", "100ms", "--cert", certFile, "--key", keyFile)
	if !strings.HasPrefix(p.url, "wss://") {
		t.Fatalf("url %s, want wss://", p.url)
	}
	s := dial(t, p.url, "", &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	s.collect(20*time.Second, func(e []feeds.Envelope) bool { return len(readingsIn(e)) > 0 })
	p.stop(t)
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cityfeed test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.jsonl", "")
	garbage := write("garbage.txt", "this is not a recording\n")
	noCols := write("nocols.csv", "timepoint,stationcode,so2\n2026-04-21 08:00:00,1142A,6\n")
	badNum := write("badnum.csv", "timepoint,stationcode,positionname,longitude,latitude,pm2_5\n2026-04-21 08:00:00,1142A,十五厂,121.478,31.2036,abc\n")
	badTime := write("badtime.csv", "timepoint,stationcode,positionname,longitude,latitude,pm2_5\nyesterday,1142A,十五厂,121.478,31.2036,40\n")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage:"},
		{[]string{"bogus"}, exitUsage, `unknown command "bogus"`},
		{[]string{"serve", "--scale", "0"}, exitUsage, "--scale 0"},
		{[]string{"serve", "--scale", "5000"}, exitUsage, "scale 5000"},
		{[]string{"serve", "--interval", "-1s"}, exitUsage, "--interval -1s"},
		{[]string{"serve", "--interval", "soon"}, exitUsage, "invalid value"},
		{[]string{"serve", "--cert", "x.pem"}, exitUsage, "--cert and --key go together"},
		{[]string{"serve", "--cert", filepath.Join(dir, "none.pem"), "--key", filepath.Join(dir, "none.key")}, exitUsage, "load TLS certificate"},
		{[]string{"serve", "--addr", "nonsense"}, exitUsage, "--addr"},
		{[]string{"serve", "--replay-buffer", "0"}, exitUsage, "--replay-buffer 0"},
		{[]string{"serve", "--steps-keep", "-1h"}, exitUsage, "--steps-keep -1h0m0s: must not be negative"},
		{[]string{"serve", "--record", filepath.Join(dir, "no", "such", "dir", "r.jsonl")}, exitUsage, "--record"},
		{[]string{"serve", "extra"}, exitUsage, "no arguments"},
		{[]string{"serve", "--nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"replay"}, exitUsage, "needs a FILE"},
		{[]string{"replay", "a", "b"}, exitUsage, "one FILE"},
		{[]string{"replay", filepath.Join(dir, "missing.jsonl")}, exitUsage, "no such file"},
		{[]string{"replay", empty}, exitUsage, "empty"},
		{[]string{"replay", garbage}, exitUsage, "neither a recording"},
		{[]string{"replay", noCols}, exitUsage, `no "positionname" column`},
		{[]string{"replay", badNum}, exitUsage, `line 2: column pm2_5: "abc" is not a number`},
		{[]string{"replay", badTime}, exitUsage, `line 2: timepoint "yesterday"`},
		{[]string{"replay", garbage, "--speed", "0"}, exitUsage, "--speed 0"},
		{[]string{"replay", garbage, "--speed", "NaN"}, exitUsage, "--speed NaN"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := exec.Command(binPath, tt.args...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code || !strings.Contains(out.String(), tt.want) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out.String(), tt.code, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	out, err := exec.Command(binPath, "help").Output()
	if err != nil {
		t.Fatalf("help: %v", err)
	}
	for _, want := range []string{"cityfeed serve", "cityfeed replay FILE", "--record", "--speed", "--loop", "SIGINT"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestReplayCSVKeepsGoodRows: real files have errors; the bad cell is left
// out and reported, the rest is served.
func TestReplayCSVKeepsGoodRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mixed.csv")
	csv := "\ufefftimepoint,stationcode,positionname,longitude,latitude,so2,no2,co,o3,pm10,pm2_5\n" +
		"2026-04-21 08:00:00,1142A,十五厂,121.478,31.2036,7,55,0.8,18,60,44\n" +
		"2026-04-21 08:00:00,1141A,普陀,121.4,31.238,6,48,0.7,22,52,x\n" +
		"2026-04-21 08:00:00,1149A,浦东新区监测站,,31.2284,6,40,0.6,25,50,35\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, "replay", path, "--addr", "127.0.0.1:0")
	s := dial(t, p.url, "", nil)
	envs := s.collect(20*time.Second, func(e []feeds.Envelope) bool { return len(readingsIn(e)) >= 2 })
	got := map[string]*feeds.WireReading{}
	for _, r := range readingsIn(envs) {
		got[r.Station] = r
	}
	if got["air-1141A"] == nil || got["air-1142A"] == nil {
		t.Fatalf("readings %v, want air-1141A and air-1142A", got)
	}
	if _, ok := got["air-1141A"].Values[city.ParamPM25]; ok || got["air-1141A"].Values[city.ParamNO2].V != "48" {
		t.Errorf("air-1141A values %v, want no2 48 and no pm25", got["air-1141A"].Values)
	}
	if got["air-1142A"].Values[city.ParamPM25].V != "44" {
		t.Errorf("air-1142A values %v, want pm25 44", got["air-1142A"].Values)
	}
	if c := count(envs); c.ids["air-1149A"] {
		t.Error("a station without a longitude was served")
	}
	p.stop(t)
	for _, want := range []string{"2 rows or cells left out", `line 3: column pm2_5: "x" is not a number`, "line 4: station 1149A"} {
		if !strings.Contains(p.log(), want) {
			t.Errorf("log lacks %q:\n%s", want, p.log())
		}
	}
}

// TestVersion: --version names the program and the version set at link time
// (the test binary is built without -X, so "dev").
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		out, err := exec.Command(binPath, arg).Output()
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if !bytes.HasPrefix(out, []byte("cityfeed dev (go")) {
			t.Errorf("cityfeed %s = %q, want cityfeed dev (go…)", arg, out)
		}
	}
}
