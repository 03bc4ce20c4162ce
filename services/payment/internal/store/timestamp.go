package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timestamp is a DATETIME(6) column as either engine hands it back: MySQL as a time.Time
// (or as text without parseTime=true), the SQLite driver as text, because it recognises
// only the bare type names DATE, DATETIME and TIMESTAMP. Values are written in UTC, to
// the microsecond the column keeps.
type timestamp time.Time

func newTimestamp(t time.Time) timestamp { return timestamp(t.UTC().Truncate(time.Microsecond)) }

// Time returns the value in UTC.
func (t timestamp) Time() time.Time { return time.Time(t).UTC() }

// Value writes a time.Time, which each driver encodes natively.
func (t timestamp) Value() (driver.Value, error) { return t.Time(), nil }

// textLayouts are the forms the drivers write times in: the SQLite driver's own first.
var textLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC3339Nano,
}

// Scan reads a time.Time or its text.
func (t *timestamp) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case time.Time:
		*t = timestamp(v.UTC())
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	for _, layout := range textLayouts {
		if parsed, err := time.Parse(layout, text); err == nil {
			*t = timestamp(parsed.UTC())
			return nil
		}
	}
	return fmt.Errorf("store: %q is not a time", text)
}
