package app

import (
	"net"
	"net/http"
	"testing"

	"onescreen/feeds"
)

// startFeedServer serves a feed server on a loopback port for the test and
// returns it with its address.
func startFeedServer(t *testing.T, cfg feeds.ServerConfig) (*feeds.Server, string) {
	t.Helper()
	srv := feeds.NewServer(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return srv, ln.Addr().String()
}
