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
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"onescreen/app"
	"onescreen/app/export"
	"onescreen/app/ingest"
	"onescreen/app/ui"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/internal/memtrim"
	"onescreen/internal/version"
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
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, version.Long("onescreen"))
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
	o.Site, o.Officer = &site, o.officer
	o.ReadOnly = o.ReadOnly || o.wall
	if o.snapshotEvery < 0 || (o.snapshotEvery > 0 && o.snapshotDir == "") {
		return errors.New("--snapshot-every needs a positive period and --snapshot-dir")
	}
	if o.snapshotEvery > 0 && o.snapshotEvery < time.Second {
		return fmt.Errorf("--snapshot-every %v: at least 1s", o.snapshotEvery)
	}
	if o.snapshotKeep < 0 {
		return fmt.Errorf("--snapshot-keep %d: 0 keeps all, or a positive count", o.snapshotKeep)
	}
	if o.wallRotate < 0 || (o.wallRotate > 0 && o.wallRotate < time.Second) {
		return fmt.Errorf("--wall-rotate %v: at least 1s", o.wallRotate)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rt, err := app.Start(ctx, o.Options)
	if err != nil {
		return err
	}
	if o.memProfile != "" {
		defer writeHeapProfile(o.memProfile, stderr)
	}
	if o.wall {
		// a wall runs for weeks: its heap is kept near what it holds live
		go memtrim.Tight(ctx, wallMemoryFloor)
	}
	if o.statsEvery > 0 {
		go ingest.LogStats(ctx, stderr, o.statsEvery)
	}
	if o.headless {
		err = app.RunHeadless(ctx, rt, stdout, o.statusEvery)
		return errors.Join(err, rt.Close())
	}
	a := fyneapp.NewWithID(appID)
	err = ui.RunConsole(ctx, a, parts(rt), ui.ConsoleOptions{Lang: o.lang, Officer: o.officer, FullScreen: o.fullscreen || o.wall, Site: &site, BaseMapDir: o.basemap,
		ReadOnly: o.ReadOnly, Wall: o.wall, WallRotate: o.wallRotate,
		SnapshotEvery: o.snapshotEvery, SnapshotDir: o.snapshotDir, SnapshotKeep: o.snapshotKeep, Log: stderr})
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
	basemap     string

	wall          bool
	wallRotate    time.Duration
	snapshotEvery time.Duration
	snapshotDir   string
	snapshotKeep  int
	statsEvery    time.Duration
	memProfile    string
}

func dashboardFlags(o *dashOpts) *flag.FlagSet {
	fs := flag.NewFlagSet("onescreen", flag.ContinueOnError)
	fs.StringVar(&o.DataDir, "data", "", "data directory holding the cache (default: the user's application data directory)")
	fs.StringVar(&o.FeedURL, "feed", "", "feed server, ws://host:port or wss://host:port, or NATS JetStream nats://host:4222[,host2:4222…] (default: the embedded demo district)")
	fs.StringVar(&o.District, "district", "huangpu", "with a nats:// feed: the district whose streams are read (ONESCREEN_<DISTRICT>)")
	fs.StringVar(&o.JSDomain, "js-domain", "", "with a nats:// feed: the JetStream domain of the city's servers, when the feed is the centre's leaf node")
	fs.StringVar(&o.Token, "token", "", "bearer token for the feed server")
	fs.StringVar(&o.CAFile, "ca", "", "PEM file of the site CA that signed the wss:// feed server's certificate")
	fs.DurationVar(&o.Retention, "retention", 30*24*time.Hour, "how long readings are kept in the cache")
	fs.DurationVar(&o.StaleAfter, "stale-after", city.DefaultStaleAfter, "age after which a connected feed's data counts as stale")
	fs.IntVar(&o.DemoScale, "demo-scale", 1, "embedded demo: multiply the station count")
	fs.DurationVar(&o.DemoInterval, "demo-interval", 5*time.Second, "embedded demo: reporting period")
	fs.BoolVar(&o.headless, "headless", false, "run feeds → cache without a window; print each feed's status")
	fs.DurationVar(&o.statusEvery, "status-every", app.StatusEvery, "headless: how often to print the status lines")
	fs.StringVar(&o.lang, "lang", "", "interface language: zh or en (default: the last one chosen, else zh)")
	fs.StringVar(&o.officer, "officer", "", "the duty officer's name recorded with each alert step (default: from preferences)")
	fs.BoolVar(&o.fullscreen, "fullscreen", false, "open full screen")
	fs.StringVar(&o.basemap, "basemap", "", "directory of the site's own base-map GeoJSON files (district, streets, water, roads, expressways; _gcj02 files are converted); default: the demo district")
	fs.StringVar(&o.config, "config", "", "site settings file (TOML, see docs/config.md; default: the documented defaults)")
	fs.BoolVar(&o.ReadOnly, "read-only", false, "show alerts and their steps but offer no step, ask no officer's name and send nothing")
	fs.BoolVar(&o.wall, "wall", false, "briefing wall: read-only, full screen, rotating views in large type (see [wall] in docs/config.md)")
	fs.DurationVar(&o.wallRotate, "wall-rotate", 0, "wall: how long each view stays up (default: the site settings, else 20s)")
	fs.DurationVar(&o.snapshotEvery, "snapshot-every", 0, "save a stamped PNG of the window this often into --snapshot-dir (0: never)")
	fs.StringVar(&o.snapshotDir, "snapshot-dir", "", "directory for the scheduled PNG snapshots (onescreen-YYYYMMDD-HHMMSS.png, Beijing time)")
	fs.IntVar(&o.snapshotKeep, "snapshot-keep", 144, "how many scheduled snapshots to keep; older ones are deleted (0: all)")
	fs.DurationVar(&o.statsEvery, "stats-every", 0, "log goroutines, heap in use, live heap, resident memory and open files this often on standard error (0: never)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile (go tool pprof) to this file when the app ends")
	return fs
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `onescreen — 一屏观天下, the district operations dashboard

usage:
  onescreen [flags]                     open the dashboard (the embedded demo district without --feed)
  onescreen --headless [flags]          feeds → cache without a window
  onescreen export readings [flags]     cached readings as CSV on standard output (air rows with hourly AQI)
  onescreen export alerts [flags]       cached alerts with their whole history as CSV on standard output
  onescreen export cap --alert ID       one alert as a CAP 1.2 document on standard output
  onescreen export cap --out DIR        one CAP 1.2 file per alert into DIR
  onescreen export handover [flags]     shift handovers (summary, sign-off, acknowledgement) as CSV
  onescreen export dutylog [flags]      the duty log as CSV
                                        (export flags: onescreen export readings|alerts|cap --help)
  onescreen help
  onescreen --version                   print the version

flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func runExport(args []string, stdout, stderr io.Writer) error {
	const synopsis = "onescreen export readings|alerts|cap|handover|dutylog [--data DIR] [--from T] [--to T] [--feed F] " +
		"(readings: [--config FILE]; alerts: [--open]; cap: --alert ID | --out DIR [--open] [--status S] [--admin-code C] [--sender S])"
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return errors.New("export what? " + synopsis)
	}
	what := args[0]
	if what != "readings" && what != "alerts" && what != "cap" && what != "handover" && what != "dutylog" {
		return fmt.Errorf("export %q: want readings, alerts, cap, handover or dutylog", what)
	}
	fs := flag.NewFlagSet("onescreen export "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data directory holding the cache (default: the user's application data directory)")
	from := fs.String("from", "", "readings: earliest observation time; alerts, cap: earliest raise time (RFC 3339, or 2006-01-02 15:04 in Beijing time)")
	to := fs.String("to", "", "latest time, exclusive")
	feed := fs.String("feed", "", "only this feed: air, water, noise, fire or crowd")
	config := fs.String("config", "", "readings: site settings file (TOML, see docs/config.md) for the AQI edition (default: the documented defaults)")
	openOnly := fs.Bool("open", false, "alerts, cap: only alerts not yet closed")
	alertID := fs.String("alert", "", "cap: write the alert with this ID to standard output")
	outDir := fs.String("out", "", "cap: write one .cap file per alert into this directory (created if missing)")
	status := fs.String("status", string(city.CAPActual), "cap: message status: Actual, Exercise, Test, System or Draft")
	adminCode := fs.String("admin-code", city.DefaultCAPAdminCode, "cap: the sender's 6-digit GB/T 2260 admin code")
	sender := fs.String("sender", "", "cap: the CAP sender (default: onescreen@<admin-code>)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flags were printed
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export %s: unexpected argument %q", what, fs.Arg(0))
	}
	// A flag given to an export it does not apply to is a mistake, not a no-op.
	applies := map[string][]string{
		"config": {"readings"}, "open": {"alerts", "cap"}, "alert": {"cap"}, "out": {"cap"},
		"status": {"cap"}, "admin-code": {"cap"}, "sender": {"cap"}, "feed": {"readings", "alerts", "cap"},
	}
	var misplaced error
	fs.Visit(func(fl *flag.Flag) {
		only, ok := applies[fl.Name]
		if !ok || misplaced != nil {
			return
		}
		for _, w := range only {
			if w == what {
				return
			}
		}
		names := only[0]
		for _, w := range only[1:] {
			names += " or " + w
		}
		misplaced = fmt.Errorf("export %s: --%s applies to export %s only", what, fl.Name, names)
	})
	if misplaced != nil {
		return misplaced
	}
	var fromT, toT time.Time
	var feedF city.Feed
	var err error
	if *from != "" {
		if fromT, err = export.ParseTime(*from); err != nil {
			return fmt.Errorf("--from: %w", err)
		}
	}
	if *to != "" {
		if toT, err = export.ParseTime(*to); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
	}
	if !fromT.IsZero() && !toT.IsZero() && !toT.After(fromT) {
		return fmt.Errorf("--to %s is not after --from %s", *to, *from)
	}
	if *feed != "" {
		if feedF, err = city.ParseFeed(*feed); err != nil {
			return fmt.Errorf("--feed: %w", err)
		}
	}
	var capOpts city.CAPOptions
	if what == "cap" {
		switch {
		case *alertID == "" && *outDir == "":
			return errors.New("export cap: give --alert ID (one alert to standard output) or --out DIR (one file per alert); " +
				"a CAP document holds one alert, so several are never written to one stream")
		case *alertID != "" && *outDir != "":
			return errors.New("export cap: --alert and --out exclude each other")
		case *alertID != "" && (*from != "" || *to != "" || *feed != "" || *openOnly):
			return errors.New("export cap: --alert names one alert; --from, --to, --feed and --open select alerts for --out")
		}
		st, err := city.ParseCAPStatus(*status)
		if err != nil {
			return fmt.Errorf("--status: %w", err)
		}
		capOpts = city.DefaultCAPOptions()
		capOpts.Status, capOpts.AdminCode, capOpts.Sender = st, *adminCode, *sender
		if err := capOpts.Validate(); err != nil {
			return err
		}
	}
	site := city.DefaultSiteConfig()
	if *config != "" {
		if site, err = app.LoadSiteConfig(*config); err != nil {
			return err
		}
	}
	dir := *dataDir
	if dir == "" {
		if dir, err = app.DefaultDataDir(); err != nil {
			return err
		}
	}
	db, err := cache.OpenReadOnly(dir)
	if err != nil {
		return fmt.Errorf("open cache in %s: %w", dir, err)
	}
	defer db.Close()
	alerts := cache.AlertFilter{OpenOnly: *openOnly, From: fromT, To: toT, Feed: feedF}
	switch what {
	case "readings":
		return export.ExportReadingsWithConfig(db, cache.ReadingFilter{From: fromT, To: toT, Feed: feedF}, site, stdout)
	case "alerts":
		return export.ExportAlerts(db, alerts, stdout)
	case "handover": // shifts that began in [--from, --to)
		return export.ExportHandovers(db, fromT, toT, stdout)
	case "dutylog":
		return export.ExportDutyLog(db, fromT, toT, stdout)
	default:
		if *alertID != "" {
			return export.ExportCAPAlert(db, *alertID, capOpts, stdout)
		}
		files, err := export.ExportCAP(db, alerts, capOpts, *outDir)
		fmt.Fprintf(stderr, "CAP files written to %s: %d\n", *outDir, len(files))
		return err
	}
}

// parts connects the console to the running data path.
func parts(rt *app.Runtime) ui.Parts {
	return ui.Parts{Data: rt.DB, Live: rt, Desk: rt.Desk, Duty: rt.Duty, Exports: export.Cache{DB: rt.DB},
		Site: rt.Opts.Site, StaleAfter: rt.Opts.StaleAfter}
}

// wallMemoryFloor is the least soft memory limit of the wall's Go heap
// (memtrim.Tight): the demo district's wall holds some 40-55 MB live.
const wallMemoryFloor = 48 << 20

// writeHeapProfile writes the heap profile (what is live after a
// collection, and what was allocated) to path.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		runtime.GC()
		err = errors.Join(pprof.Lookup("heap").WriteTo(f, 0), f.Close())
	}
	if err != nil {
		fmt.Fprintln(stderr, "onescreen: memory profile:", err)
	}
}
