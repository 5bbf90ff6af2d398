package ingest

import (
	"time"

	"onescreen/city"
	"onescreen/feeds"
)

// Link says how to reach the district's feeds.
type Link struct {
	URL        string        // ws:// or wss:// feed server, or nats://host:port[,host:port…] (JetStream)
	District   string        // the district whose JetStream streams a nats:// feed reads
	JSDomain   string        // the JetStream domain holding them, when the feed is a leaf node
	Token      string        // bearer token for the feed server
	CAFile     string        // PEM file of the site CA for wss://
	MaxBackoff time.Duration // longest wait between reconnection attempts (0 → the client's default)
}

// NewTransport makes the feed source for l.URL, delivering to in: a
// JetStream consumer of the district's streams for nats:// (or tls://)
// servers, otherwise the websocket client (then also returned as the
// Client). v knows the stations the cache holds.
func NewTransport(l Link, in *Ingest, v *feeds.Validator) (feeds.Transport, *feeds.Client, error) {
	if feeds.IsNATSURL(l.URL) {
		urls, err := feeds.ParseNATSURLs(l.URL)
		if err != nil {
			return nil, nil, err
		}
		j, err := feeds.NewJetStream(feeds.JetStreamConfig{
			URLs: urls, District: l.District, Domain: l.JSDomain, Token: l.Token, CAFile: l.CAFile, Feeds: city.Feeds,
			Cursors: in.Cursors, Handler: in, Validator: v, MaxBackoff: l.MaxBackoff,
		})
		return j, nil, err
	}
	c, err := feeds.NewClient(feeds.ClientConfig{
		URL: l.URL, Token: l.Token, CAFile: l.CAFile, Feeds: city.Feeds,
		Cursors: in.Cursors, Handler: in, Validator: v, MaxBackoff: l.MaxBackoff,
	})
	if err != nil {
		return nil, nil, err
	}
	return c, c, nil
}
