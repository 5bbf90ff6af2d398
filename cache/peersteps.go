package cache

import (
	"database/sql"
	"strings"

	"onescreen/city"
)

// Alert returns the stored alert with id; ok is false when the cache holds
// none. A desk looks up an alert it no longer keeps in memory (closed
// earlier, or before a restart) when another desk's step on it arrives.
func (db *DB) Alert(id string) (a city.Alert, ok bool, err error) {
	err = db.query("read alert", `SELECT `+strings.Join(alertColumns, ", ")+` FROM alert WHERE id = ?`, func(r *sql.Rows) error {
		var err error
		a, err = scanAlert(r)
		ok = err == nil
		return err
	}, id)
	return a, ok, err
}
