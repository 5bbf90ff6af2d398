// Command onescreen is the district operations dashboard: it subscribes to
// the city feeds, keeps everything in a local SQLite cache, and shows the
// district on one screen. Run with no flags it opens the embedded demo
// district (Huangpu); --headless runs the data path without a window;
// `onescreen export …` writes CSV or CAP from the cache.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"onescreen/app"
	"onescreen/cache"
	"onescreen/city"
)

const appID = "cn.gov.sh.onescreen"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "onescreen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "export":
			return runExport(args[1:], stdout, stderr)
		case "help", "-h", "--help", "-help":
			usage(stderr, dashboardFlags(new(dashOpts)))
			return nil
		}
	}
	var o dashOpts
	fs := dashboardFlags(&o)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see onescreen help)", fs.Arg(0))
	}
	if o.lang != "" && o.lang != "zh" && o.lang != "en" {
		return fmt.Errorf("--lang %q: want zh or en", o.lang)
	}
	site, err := app.LoadSiteConfig(o.config)
	if err != nil {
		return err
	}
	o.Site, o.Officer = site, o.officer
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rt, err := app.Start(ctx, o.Options)
	if err != nil {
		return err
	}
	if o.headless {
		err = app.RunHeadless(ctx, rt, stdout, o.statusEvery)
		return errors.Join(err, rt.Close())
	}
	a := fyneapp.NewWithID(appID)
	err = app.RunConsole(ctx, a, rt, app.ConsoleOptions{Lang: o.lang, Officer: o.officer, FullScreen: o.fullscreen, Site: site})
	return errors.Join(err, rt.Close())
}

type dashOpts struct {
	app.Options
	headless    bool
	statusEvery time.Duration
	lang        string
	officer     string
	fullscreen  bool
	config      string
}

func dashboardFlags(o *dashOpts) *flag.FlagSet {
	fs := flag.NewFlagSet("onescreen", flag.ContinueOnError)
	fs.StringVar(&o.DataDir, "data", "", "data directory holding the cache (default: the user's application data directory)")
	fs.StringVar(&o.FeedURL, "feed", "", "feed server, ws://host:port or wss://host:port (default: the embedded demo district)")
	fs.StringVar(&o.Token, "token", "", "bearer token for the feed server")
	fs.StringVar(&o.CAFile, "ca", "", "PEM file of the site CA that signed the wss:// feed server's certificate")
	fs.DurationVar(&o.Retention, "retention", 30*24*time.Hour, "how long readings are kept in the cache")
	fs.DurationVar(&o.StaleAfter, "stale-after", app.DefaultStaleAfter, "age after which a connected feed's data counts as stale")
	fs.IntVar(&o.DemoScale, "demo-scale", 1, "embedded demo: multiply the station count")
	fs.DurationVar(&o.DemoInterval, "demo-interval", 5*time.Second, "embedded demo: reporting period")
	fs.BoolVar(&o.headless, "headless", false, "run feeds → cache without a window; print each feed's status")
	fs.DurationVar(&o.statusEvery, "status-every", app.StatusEvery, "headless: how often to print the status lines")
	fs.StringVar(&o.lang, "lang", "", "interface language: zh or en (default: the last one chosen, else zh)")
	fs.StringVar(&o.officer, "officer", "", "the duty officer's name recorded with each alert step (default: from preferences)")
	fs.BoolVar(&o.fullscreen, "fullscreen", false, "open full screen (briefing wall)")
	fs.StringVar(&o.config, "config", "", "site settings file (TOML, see docs/config.md; default: the documented defaults)")
	return fs
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `onescreen — 一屏观天下, the district operations dashboard

usage:
  onescreen [flags]                     open the dashboard (the embedded demo district without --feed)
  onescreen --headless [flags]          feeds → cache without a window
  onescreen export readings [flags]     cached readings as CSV on standard output
  onescreen help

flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func runExport(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("export what? onescreen export readings [--data DIR] [--from T] [--to T] [--feed F]")
	}
	what := args[0]
	fs := flag.NewFlagSet("onescreen export "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data directory holding the cache (default: the user's application data directory)")
	from := fs.String("from", "", "earliest observation time (RFC 3339, or 2006-01-02 15:04 in Beijing time)")
	to := fs.String("to", "", "latest observation time, exclusive")
	feed := fs.String("feed", "", "only this feed: air, water, noise, fire or crowd")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var f cache.ReadingFilter
	var err error
	if *from != "" {
		if f.From, err = app.ParseTime(*from); err != nil {
			return fmt.Errorf("--from: %w", err)
		}
	}
	if *to != "" {
		if f.To, err = app.ParseTime(*to); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
	}
	if *feed != "" {
		if f.Feed, err = city.ParseFeed(*feed); err != nil {
			return fmt.Errorf("--feed: %w", err)
		}
	}
	dir := *dataDir
	if dir == "" {
		if dir, err = app.DefaultDataDir(); err != nil {
			return err
		}
	}
	switch what {
	case "readings":
		db, err := cache.OpenReadOnly(dir)
		if err != nil {
			return fmt.Errorf("open cache in %s: %w", dir, err)
		}
		defer db.Close()
		return app.ExportReadings(db, f, stdout)
	default:
		return fmt.Errorf("export %q: want readings", what)
	}
}
