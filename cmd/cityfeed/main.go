// Command cityfeed is the headless feed server of onescreen. It serves the
// feed protocol (websocket at /v1/stream) from the simulated demo district
// (serve) or from a recording or a national air-quality CSV (replay).
//
//	cityfeed serve [--addr 127.0.0.1:8765] [--token T] [--cert F --key F] [--scale N]
//	               [--interval D] [--seed N] [--record FILE] [--replay-buffer N]
//	cityfeed replay FILE [--speed X] [--loop] [--retime] [--addr ...] [--token ...]
//	cityfeed serve|replay … --nats nats://host:4222[,…] [--district D] [--replicas 1|3]
//	cityfeed help
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"onescreen/internal/version"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the server failed while running
	exitUsage = 2 // bad command line or unreadable input
)

const usage = `cityfeed serves onescreen city feeds over websocket (path /v1/stream).

Usage:
  cityfeed serve  [flags]        simulate the demo district (Huangpu) and serve it
  cityfeed replay FILE [flags]   serve a recording (from serve --record) or a national
                                 real-time air-quality CSV, at the original pace / speed
  cityfeed help                  show this help
  cityfeed --version             print the version

Flags of serve:
  --addr HOST:PORT      address to listen on (default 127.0.0.1:8765; port 0 picks one)
  --token T             require "Authorization: Bearer T" (default $CITYFEED_TOKEN)
  --cert FILE --key FILE  serve wss:// with this TLS certificate and key (PEM)
  --scale N             multiply the stations of every feed (1–1000, default 1)
  --interval D          reporting period, e.g. 5s or 200ms (default 5s)
  --seed N              seed of the simulated values and incidents (default 1)
  --record FILE         also write every station and reading to FILE (one JSON message per line)
  --replay-buffer N     readings kept per feed for clients that resume (default 16384)
  --steps FILE          keep the officers' steps here (JSON lines, fsynced, reloaded on
                        restart) and relay them to every desk; default beside --record
                        as FILE.steps, else kept in memory for this run

  --nats URL            publish into NATS JetStream (nats://host:4222[,host2:4222…]) instead of
                        serving the websocket; the streams are made when missing
  --district D          with --nats: the district (default huangpu): streams ONESCREEN_HUANGPU…
  --replicas N          with --nats: copies of each stream made, 1 or 3 (default 1)
  --max-age D           with --nats: how long the readings stream keeps readings (default 24h)
  --js-domain D         with --nats: the JetStream domain holding the streams (publishing via a leaf node)

Flags of replay (FILE may come before or after them):
  --speed X             play X times faster than recorded (default 1)
  --loop                start again at the end of the file
  --retime              shift observation times so the file plays as if live now
                        (without it readings keep their recorded times)
  --addr, --token, --cert, --key, --replay-buffer, --steps   as for serve
  --nats, --district, --replicas, --max-age        as for serve (the file is played once
                        into JetStream, or until interrupted with --loop)

A CSV is recognised by its header: timepoint, stationcode, positionname, longitude,
latitude, so2, no2, co, o3, pm10, pm2_5 and optional pm2_5_24h, pm10_24h, o3_8h
(Beijing time; CO in mg/m³, the rest in µg/m³; empty cells are missing values).
Stations outside the Shanghai area are skipped; bad cells and rows are left out
and listed in the log.

The server logs one line every 10 s with readings per second and clients, and
stops cleanly on SIGINT or SIGTERM.
`

// errUsage marks a command-line error: the message is shown with a hint.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, version.Long("cityfeed"))
		return exitOK
	case "serve":
		err = serve(ctx, args[1:], stderr)
	case "replay":
		err = replay(ctx, args[1:], stderr)
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "cityfeed: %s\nRun 'cityfeed help' for usage.\n", trimUsage(err))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "cityfeed: %v\n", err)
		return exitError
	}
}

// trimUsage drops the "usage: " marker from a command-line error.
func trimUsage(err error) string {
	const prefix = "usage: "
	s := err.Error()
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}
