package cache

import (
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds the schema changes, one file per version, named
// NNNN_what.sql and numbered from 1 without holes.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, checking that the
// numbers run 1, 2, 3, … without holes or repeats.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || path.Ext(e.Name()) != ".sql" {
			return nil, fmt.Errorf("migration %q: want NNNN_name.sql", e.Name())
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %q: %w", e.Name(), err)
		}
		body, err := fs.ReadFile(migrationFS, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: want version %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this program creates and reads.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// schemaState is what a database file says about itself.
type schemaState struct {
	version int // PRAGMA user_version: migrations applied
	app     int // PRAGMA application_id
	objects int // tables, indexes, … in sqlite_schema
}

// readState reads the schema state of db.
func readState(db *sql.DB) (schemaState, error) {
	var s schemaState
	if err := db.QueryRow("PRAGMA user_version").Scan(&s.version); err != nil {
		return s, fmt.Errorf("read schema version: %w", err)
	}
	if err := db.QueryRow("PRAGMA application_id").Scan(&s.app); err != nil {
		return s, fmt.Errorf("read application id: %w", err)
	}
	if err := db.QueryRow("SELECT count(*) FROM sqlite_schema").Scan(&s.objects); err != nil {
		return s, fmt.Errorf("read schema: %w", err)
	}
	return s, nil
}

// check refuses a database of another program or of a newer onescreen.
func (s schemaState) check(known int) error {
	switch {
	case s.app != 0 && s.app != appID:
		return fmt.Errorf("database of another program (application id %#x): %w", s.app, ErrNotDatabase)
	case s.app == 0 && s.objects > 0:
		return fmt.Errorf("database with %d objects of another program: %w", s.objects, ErrNotDatabase)
	case s.version > known:
		return fmt.Errorf("schema version %d is newer than this program knows (%d)", s.version, known)
	}
	return nil
}

// probe checks an existing database file through a read-only connection
// before the writer opens it, so that a file the cache refuses is never
// written to (not even switched to WAL).
func probe(path string) error {
	p, err := sql.Open(driverName, dsn(path, true))
	if err != nil {
		return err
	}
	defer p.Close()
	p.SetMaxOpenConns(1)
	s, err := readState(p)
	if err != nil {
		return classify(err)
	}
	return s.check(SchemaVersion())
}

// migrate brings the database up to the newest schema, each migration in
// its own transaction together with the new user_version.
func migrate(db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	s, err := readState(db)
	if err != nil {
		return err
	}
	if err := s.check(len(ms)); err != nil {
		return err
	}
	for _, m := range ms[s.version:] {
		if err := apply(db, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration in a transaction.
func apply(db *sql.DB, m migration) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(m.sql); err != nil {
		return err
	}
	// PRAGMA takes no bound parameters; both values are integers we made.
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", m.version, appID)); err != nil {
		return err
	}
	return tx.Commit()
}
