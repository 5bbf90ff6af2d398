// Package cache keeps every reading of the district in one SQLite file, so
// that the operations centre survives a network outage and starts up
// showing the last known state.
//
// # Layout
//
// The data directory holds onescreen.db (with its -wal and -shm files while
// open) and onescreen.lock, an operating-system lock that keeps a second
// instance away from the same directory (ErrLocked).
//
// Two database/sql handles share the file. The writer handle has exactly
// one connection, used only by the writer goroutine; the reader handle is
// opened with mode=ro and serves every query. Pragmas travel in the DSN, so
// a connection the pool opens again gets them too: WAL journal, a busy
// timeout, foreign keys on and synchronous=NORMAL (safe with WAL: a power
// cut may lose the last transactions but never corrupts the file).
//
// OpenReadOnly opens only a reader, without the lock, for tools such as an
// export that run beside the application.
//
// The schema is created by embedded, numbered migrations (migrations/*.sql),
// each applied in its own transaction; PRAGMA user_version records how many
// ran and PRAGMA application_id marks the file as an onescreen cache.
//
// # Writing
//
// Submit hands a Batch to the writer goroutine through a bounded queue, so a
// producer faster than the disk is slowed down rather than buffered without
// limit. The writer gathers batches until it holds Options.MaxBatch readings
// or the oldest has waited Options.FlushInterval, then commits them in one
// transaction with statements prepared once; reading rows go 64 to an
// INSERT, since a statement per row costs as much in database/sql and cgo
// as SQLite's own work for the row. A reading's rows are keyed by
// station, observation time and parameter and inserted with INSERT OR
// IGNORE, so a second delivery never makes a second row. That key keeps a
// station's rows together in time order: a transaction touches about one
// page per station and a chart's history is one range scan. Stations and
// parameters get integer ids, which the writer keeps in maps. The newest
// value per station and parameter is kept in a small table: the writer keeps only
// the newest per key within a transaction and replaces a stored value only
// with a newer one, so latest never moves back in time. Feed cursors are
// written in the same transaction as the readings they cover: after a crash
// the cursor never claims more than the cache holds.
//
// A reading the writer cannot store (no station, no time, a value that is
// not finite) becomes a Reject with its reason rather than failing the
// batch. If a transaction fails (a full disk), the writer retries each
// batch of it alone, drops the ones that still fail and reports the error
// through Submit and Flush; it keeps going with later batches.
//
// # Retention
//
// Readings older than Options.Retention (30 days by default) are deleted by
// the writer in small steps between batches: a pass walks the stations in
// id order and deletes each one's old rows with a range delete on the
// primary key, at most 5,000 rows and 256 stations per transaction, so
// ingest never waits long behind it. A pass starts when the cache opens and
// every minute after; it also deletes old rejects and gaps and keeps at most
// the newest 10,000 rejects, and outbox entries acknowledged before the
// cutoff. The newest value of each station and parameter stays, however
// old. Alerts and their history are never deleted: they are the record.
// Retain runs a whole pass at once.
//
// # Alerts and the outbox
//
// A Batch's AlertChanges are committed with its readings: the alert's row,
// the step in its history and, for every step but an update, an outbox
// entry that waits for the feed server's acknowledgement (OutboxPending,
// OutboxAcked). A step's key is OutboxID, a hash of its content, so a step
// delivered twice is stored and queued once. See alerts.go.
//
// # Times
//
// Times are stored as milliseconds since the Unix epoch (finer parts are
// dropped) and come back in UTC; show them with In(city.Shanghai). Alert
// and step times are the exception: nanoseconds, so that they come back
// exactly (an alert's ID carries its raise time).
package cache

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// File names inside the data directory.
const (
	FileName = "onescreen.db"   // the database
	LockName = "onescreen.lock" // held while a DB is open
)

// Defaults for Options.
const (
	DefaultRetention     = 30 * 24 * time.Hour   // readings older than this are deleted
	DefaultMaxBatch      = 4096                  // readings per transaction
	DefaultFlushInterval = 50 * time.Millisecond // longest a submitted batch waits
)

// Tuning of the writer and the readers.
const (
	queueDepth     = 64          // batches waiting for the writer before Submit blocks
	busyTimeoutMS  = 5000        // milliseconds a connection waits for a lock
	writerCacheKiB = 64 * 1024   // KiB of page cache for the writer connection
	readerCacheKiB = 16 * 1024   // KiB of page cache per reader connection
	readerConns    = 4           // most open reader connections
	maxRawBytes    = 4096        // bytes of a rejected message kept
	maxRejects     = 10000       // rejects kept; older ones are deleted by retention
	retainChunk    = 5000        // most readings deleted per retention transaction
	retainStations = 256         // most stations visited per retention transaction
	retainEvery    = time.Minute // time between the starts of retention passes
	appID          = 0x4F534331  // PRAGMA application_id of a cache file ("OSC1")
	driverName     = "sqlite3"   // go-sqlite3's database/sql driver
)

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Options tune a DB; the zero value gives the defaults.
type Options struct {
	Retention     time.Duration    // how long readings are kept; 0 means DefaultRetention
	MaxBatch      int              // most readings per transaction (a single Batch is never split); 0 means DefaultMaxBatch
	FlushInterval time.Duration    // most time a submitted batch waits; 0 means DefaultFlushInterval
	Now           func() time.Time // clock for retention and received times; nil means time.Now

	retainChunk     int  // tests: most readings per retention step; 0 means retainChunk
	manualRetention bool // tests: no background retention, only Retain
}

func (o Options) withDefaults() Options {
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// DB is the cache. Its methods are safe for use from any goroutine.
type DB struct {
	dir, path string
	opt       Options
	readOnly  bool // opened by OpenReadOnly: no lock, no writer
	lock      *dirLock
	wdb       *sql.DB // one connection, used only by the writer goroutine
	rdb       *sql.DB // read-only connections for queries

	// mu guards closed and the queue's sending side: Submit, Flush and
	// Retain send while holding it for reading, Close takes it for writing
	// before it closes the queue.
	mu     sync.RWMutex
	closed atomic.Bool
	queue  chan request
	done   chan struct{} // closed when the writer goroutine has returned

	errMu     sync.Mutex
	submitErr error // a write failure Submit has not reported yet
	flushErr  error // the first write failure Flush has not reported yet

	w *writer
}

// Open opens the cache in dir, creating the directory and the database as
// needed, and starts its writer. It fails with ErrLocked when another
// instance uses dir and with ErrNotDatabase when the cache file is not an
// onescreen cache (the file is not changed).
func Open(dir string, opt Options) (*DB, error) {
	opt = opt.withDefaults()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open cache: create data directory: %w", err)
	}
	lock, err := lockDir(filepath.Join(abs, LockName))
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", abs, err)
	}
	db := &DB{dir: abs, path: filepath.Join(abs, FileName), opt: opt, lock: lock}
	if err := db.open(); err != nil {
		db.closeHandles()
		return nil, fmt.Errorf("open cache %s: %w", db.path, err)
	}
	return db, nil
}

// OpenReadOnly opens an existing cache in dir for queries only, without
// taking the directory's lock, so that a tool (an export) can read while the
// application runs. Submit, Flush and Retain return ErrReadOnly. The cache
// must have been created (and migrated) by Open.
func OpenReadOnly(dir string) (*DB, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", dir, err)
	}
	db := &DB{dir: abs, path: filepath.Join(abs, FileName), readOnly: true}
	if err := db.openReadOnly(); err != nil {
		db.closeHandles()
		return nil, fmt.Errorf("open cache %s read-only: %w", db.path, err)
	}
	return db, nil
}

func (db *DB) openReadOnly() error {
	exists, err := checkHeader(db.path)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("no cache here: %w", os.ErrNotExist)
	}
	if db.rdb, err = sql.Open(driverName, dsn(db.path, true)); err != nil {
		return err
	}
	db.rdb.SetMaxOpenConns(readerConns)
	db.rdb.SetMaxIdleConns(readerConns)
	s, err := readState(db.rdb)
	if err != nil {
		return classify(err)
	}
	if err := s.check(SchemaVersion()); err != nil {
		return err
	}
	if s.version < SchemaVersion() {
		return fmt.Errorf("schema version %d is older than this program's (%d): open it once with onescreen first", s.version, SchemaVersion())
	}
	return nil
}

// open does the work of Open once the directory is locked.
func (db *DB) open() error {
	exists, err := checkHeader(db.path)
	if err != nil {
		return err
	}
	if exists {
		if err := probe(db.path); err != nil {
			return err
		}
	}
	if db.wdb, err = sql.Open(driverName, dsn(db.path, false)); err != nil {
		return err
	}
	db.wdb.SetMaxOpenConns(1)
	db.wdb.SetMaxIdleConns(1)
	db.wdb.SetConnMaxLifetime(0)
	db.wdb.SetConnMaxIdleTime(0)
	if err := db.wdb.Ping(); err != nil {
		return classify(err)
	}
	if err := migrate(db.wdb); err != nil {
		return classify(err)
	}
	if db.rdb, err = sql.Open(driverName, dsn(db.path, true)); err != nil {
		return err
	}
	db.rdb.SetMaxOpenConns(readerConns)
	db.rdb.SetMaxIdleConns(readerConns)
	if err := db.rdb.Ping(); err != nil {
		return classify(err)
	}
	wr, err := newWriter(db)
	if err != nil {
		return classify(err)
	}
	db.w = wr
	db.queue = make(chan request, queueDepth)
	db.done = make(chan struct{})
	go wr.run(db.queue)
	return nil
}

// dsn returns the URI that opens path with the cache's pragmas, read-only
// when ro is set.
func dsn(path string, ro bool) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows volume: file:///C:/...
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMS))
	q.Set("_foreign_keys", "on")
	if ro {
		// The writer has already made the file WAL (a persistent mode);
		// a read-only connection may not change it.
		q.Set("mode", "ro")
		q.Set("_cache_size", fmt.Sprint(-readerCacheKiB))
	} else {
		q.Set("mode", "rwc")
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
		q.Set("_cache_size", fmt.Sprint(-writerCacheKiB))
	}
	return "file://" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode()
}

// checkHeader refuses a non-empty file that does not start like an SQLite
// database, before SQLite touches it. It reports whether a non-empty file
// exists (SQLite treats an empty file as a new database).
func checkHeader(path string) (exists bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	if st.IsDir() {
		return false, fmt.Errorf("%s is a directory: %w", path, ErrNotDatabase)
	}
	if st.Size() == 0 {
		return false, nil
	}
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return false, fmt.Errorf("%s does not start with the SQLite header: %w", path, ErrNotDatabase)
	}
	return true, nil
}

// classify turns SQLite's "not a database" into ErrNotDatabase.
func classify(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrNotADB {
		return fmt.Errorf("%w: %w", ErrNotDatabase, err)
	}
	return err
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close commits everything submitted, stops the writer, closes the database
// and releases the data directory. It returns the first write failure not
// yet reported by Flush. Calling Close again does nothing.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed.Load() {
		db.mu.Unlock()
		return nil
	}
	db.closed.Store(true)
	if db.readOnly {
		db.mu.Unlock()
		return db.closeHandles()
	}
	close(db.queue) // no sender can be inside: they hold mu for reading
	db.mu.Unlock()
	<-db.done
	db.errMu.Lock()
	err := db.flushErr
	db.flushErr, db.submitErr = nil, nil
	db.errMu.Unlock()
	if cerr := db.closeHandles(); cerr != nil && err == nil {
		err = fmt.Errorf("close cache: %w", cerr)
	}
	return err
}

// closeHandles closes what open made, readers first so that the writer's
// connection is the last and checkpoints the WAL into the file.
func (db *DB) closeHandles() error {
	var errs []error
	if db.w != nil {
		errs = append(errs, db.w.close())
	}
	if db.rdb != nil {
		errs = append(errs, db.rdb.Close())
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.release())
	}
	return errors.Join(errs...)
}

// ms converts t to the stored form.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts a stored time back.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
