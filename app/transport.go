package app

import (
	"onescreen/city"
	"onescreen/feeds"
)

// newTransport makes the feed source for url: a JetStream consumer of the
// district's streams for nats:// (or tls://) servers, otherwise the
// websocket client (then also returned as the Client).
func newTransport(opts Options, url string, in *Ingest, v *feeds.Validator) (feeds.Transport, *feeds.Client, error) {
	if feeds.IsNATSURL(url) {
		urls, err := feeds.ParseNATSURLs(url)
		if err != nil {
			return nil, nil, err
		}
		j, err := feeds.NewJetStream(feeds.JetStreamConfig{
			URLs: urls, District: opts.District, Domain: opts.JSDomain, Token: opts.Token, CAFile: opts.CAFile, Feeds: city.Feeds,
			Cursors: in.Cursors, Handler: in, Validator: v, MaxBackoff: opts.MaxBackoff,
		})
		return j, nil, err
	}
	c, err := feeds.NewClient(feeds.ClientConfig{
		URL: url, Token: opts.Token, CAFile: opts.CAFile, Feeds: city.Feeds,
		Cursors: in.Cursors, Handler: in, Validator: v, MaxBackoff: opts.MaxBackoff,
	})
	if err != nil {
		return nil, nil, err
	}
	return c, c, nil
}
