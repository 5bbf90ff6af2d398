package testutil

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSNode is one nats-server process on loopback with JetStream.
type NATSNode struct {
	Name        string
	URL         string // nats://127.0.0.1:port
	ClientPort  int
	ClusterPort int
	LeafPort    int    // where leaf nodes connect (0 on a leaf)
	Dir         string // its JetStream store and log
	conf        string
	bin         string
	cmd         *exec.Cmd
	waitDone    chan struct{}
}

// NATSDomain is the JetStream domain of the test servers, which a client
// of a leaf node names to reach their JetStream.
const NATSDomain = "city"

// NATSCluster is one nats-server, or several routed into a cluster.
type NATSCluster struct {
	Nodes []*NATSNode
}

// NATSServer returns the nats-server binary, or skips the test when none
// is installed (make deps-test installs Debian's nats-server).
func NATSServer(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("NATS_SERVER"); p != "" {
		return p
	}
	p, err := exec.LookPath("nats-server")
	if err != nil {
		for _, c := range []string{"/usr/sbin/nats-server", "/usr/bin/nats-server"} {
			if _, err := os.Stat(c); err == nil {
				return c
			}
		}
		t.Fatal("nats-server is missing: `make test` installs it (apt-get install nats-server); the JetStream tests need a real one")
	}
	return p
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartNATS starts n nats-servers with JetStream on loopback (n > 1: one
// cluster, every node routed to every other) and stops them at the end of
// the test.
func StartNATS(t testing.TB, n int) *NATSCluster {
	t.Helper()
	return StartNATSWith(t, n, NATSConfig{})
}

// NATSConfig varies the test servers.
type NATSConfig struct {
	// NoAdvertise keeps a cluster's nodes from telling clients of the
	// other nodes' addresses, so that a client given only proxies' URLs
	// cannot get round a cut proxy by reconnecting to a node directly.
	NoAdvertise bool
	// MaxPayload is the biggest message the servers take, in bytes (their
	// max_payload); 0 leaves the servers' default.
	MaxPayload int
}

// StartNATSWith is StartNATS with cfg.
func StartNATSWith(t testing.TB, n int, cfg NATSConfig) *NATSCluster {
	t.Helper()
	bin := NATSServer(t)
	c := &NATSCluster{}
	root := t.TempDir()
	for i := 0; i < n; i++ {
		nd := &NATSNode{Name: fmt.Sprintf("n%d", i+1), ClientPort: freePort(t), LeafPort: freePort(t), bin: bin, Dir: filepath.Join(root, fmt.Sprintf("n%d", i+1))}
		if n > 1 {
			nd.ClusterPort = freePort(t)
		}
		nd.URL = fmt.Sprintf("nats://127.0.0.1:%d", nd.ClientPort)
		c.Nodes = append(c.Nodes, nd)
	}
	for _, nd := range c.Nodes {
		if err := os.MkdirAll(nd.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "server_name: %s\nlisten: 127.0.0.1:%d\n", nd.Name, nd.ClientPort)
		if cfg.MaxPayload > 0 {
			fmt.Fprintf(&b, "max_payload: %d\n", cfg.MaxPayload)
		}
		fmt.Fprintf(&b, "jetstream {\n  domain: %s\n  store_dir: %q\n  max_memory_store: 268435456\n  max_file_store: 2147483648\n}\n", NATSDomain, filepath.Join(nd.Dir, "js"))
		fmt.Fprintf(&b, "leafnodes {\n  listen: 127.0.0.1:%d\n}\n", nd.LeafPort)
		if n > 1 {
			var routes []string
			for _, o := range c.Nodes {
				if o != nd {
					routes = append(routes, fmt.Sprintf("%q", fmt.Sprintf("nats-route://127.0.0.1:%d", o.ClusterPort)))
				}
			}
			fmt.Fprintf(&b, "cluster {\n  name: onescreen-test\n  listen: 127.0.0.1:%d\n  no_advertise: %t\n  routes: [%s]\n}\n", nd.ClusterPort, cfg.NoAdvertise, strings.Join(routes, ", "))
		}
		nd.conf = filepath.Join(nd.Dir, "nats.conf")
		if err := os.WriteFile(nd.conf, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, nd := range c.Nodes {
		nd.Start(t)
	}
	t.Cleanup(func() {
		for _, nd := range c.Nodes {
			nd.Kill(t)
		}
	})
	return c
}

// StartNATSLeaf starts one nats-server without JetStream of its own as a
// leaf node of hub (as at a district centre): its clients reach the
// hub's JetStream through it.
func StartNATSLeaf(t testing.TB, hub *NATSCluster) *NATSNode {
	t.Helper()
	nd := &NATSNode{Name: "leaf", ClientPort: freePort(t), bin: NATSServer(t), Dir: t.TempDir()}
	nd.URL = fmt.Sprintf("nats://127.0.0.1:%d", nd.ClientPort)
	var urls []string
	for _, h := range hub.Nodes {
		urls = append(urls, fmt.Sprintf("%q", fmt.Sprintf("nats-leaf://127.0.0.1:%d", h.LeafPort)))
	}
	conf := fmt.Sprintf("server_name: leaf\nlisten: 127.0.0.1:%d\nleafnodes {\n  reconnect: 1\n  remotes: [{ urls: [%s] }]\n}\n", nd.ClientPort, strings.Join(urls, ", "))
	nd.conf = filepath.Join(nd.Dir, "nats.conf")
	if err := os.WriteFile(nd.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	nd.Start(t)
	t.Cleanup(func() { nd.Kill(t) })
	return nd
}

// URLs is every node's client URL, comma separated.
func (c *NATSCluster) URLs() string {
	var u []string
	for _, nd := range c.Nodes {
		u = append(u, nd.URL)
	}
	return strings.Join(u, ",")
}

// Node returns the node called name, or nil.
func (c *NATSCluster) Node(name string) *NATSNode {
	for _, nd := range c.Nodes {
		if nd.Name == name {
			return nd
		}
	}
	return nil
}

// Start runs the node's process and waits until it accepts clients.
func (nd *NATSNode) Start(t testing.TB) {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(nd.Dir, "nats.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nd.bin, "-c", nd.conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start nats-server %s: %v", nd.Name, err)
	}
	nd.cmd = cmd
	nd.waitDone = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(nd.waitDone)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", nd.ClientPort), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-nd.waitDone:
			log, _ := os.ReadFile(filepath.Join(nd.Dir, "nats.log"))
			t.Fatalf("nats-server %s exited at start:\n%s", nd.Name, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server %s does not accept clients on port %d", nd.Name, nd.ClientPort)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill ends the node's process (SIGKILL on Unix) and waits for it.
func (nd *NATSNode) Kill(t testing.TB) {
	t.Helper()
	if nd.cmd == nil || nd.cmd.Process == nil {
		return
	}
	select {
	case <-nd.waitDone:
	default:
		_ = nd.cmd.Process.Kill()
		<-nd.waitDone
	}
	nd.cmd = nil
}

// PID is the node's process id (0 when it is not running).
func (nd *NATSNode) PID() int {
	if nd.cmd == nil || nd.cmd.Process == nil {
		return 0
	}
	return nd.cmd.Process.Pid
}

// Log returns what the node wrote so far.
func (nd *NATSNode) Log() string {
	b, _ := os.ReadFile(filepath.Join(nd.Dir, "nats.log"))
	return string(b)
}

// JetStream connects to the servers at urls and returns their JetStream
// API, for a test to look at or write into streams; the connection is
// closed when the test ends.
func JetStream(t testing.TB, urls string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(urls)
	if err != nil {
		t.Fatalf("connect to NATS %s: %v", urls, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
