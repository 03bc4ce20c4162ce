package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// dbTime is a UTC time in a DATETIME(6) column. The SQLite driver turns a column into a
// time.Time only when its declared type is exactly DATETIME, so DATETIME(6) comes back
// as text; dbTime reads either, and MySQL's time.Time (parseTime=true) or text too.
type dbTime struct{ time.Time }

// Scan implements sql.Scanner.
func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("store: cannot read %T as a time", src)
}

// parse reads the layouts a time may come back in as text: the SQLite driver's own (it
// writes time.Time with the first), then MySQL's without parseTime.
func (t *dbTime) parse(s string) error {
	for _, layout := range [...]string{
		"2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02T15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999",
	} {
		if parsed, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t.Time = parsed.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: %q is not a time", s)
}

// Value implements driver.Valuer; times are always stored in UTC.
func (t dbTime) Value() (driver.Value, error) { return t.UTC(), nil }

func toDBTime(t time.Time) dbTime { return dbTime{t.UTC()} }
