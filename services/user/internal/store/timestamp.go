package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timestamp is a DATETIME(6) column that scans on both engines. MySQL hands back a
// time.Time, but the SQLite driver turns text back into a time only when the declared
// type is exactly DATETIME, DATE or TIMESTAMP, so a DATETIME(6) column arrives as text.
type timestamp time.Time

// textLayout is how the SQLite driver writes a time.Time. Its fraction is optional when
// parsing, and since every stored time is UTC, comparing the texts in SQL orders them
// as times.
const textLayout = "2006-01-02 15:04:05.999999999-07:00"

// toTimestamp is t as a DATETIME(6) column holds it: UTC, whole microseconds. Rounding
// before writing and comparing keeps both engines in step.
func toTimestamp(t time.Time) timestamp { return timestamp(t.UTC().Truncate(time.Microsecond)) }

// Time is the stored instant in UTC.
func (t timestamp) Time() time.Time { return time.Time(t).UTC() }

// Value writes a time.Time and leaves its encoding to the driver.
func (t timestamp) Value() (driver.Value, error) { return time.Time(t), nil }

func (t *timestamp) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*t = timestamp(v.UTC())
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("store: cannot scan %T into a timestamp", src)
}

func (t *timestamp) parse(text string) error {
	parsed, err := time.Parse(textLayout, text)
	if err != nil {
		return fmt.Errorf("store: timestamp %q: %w", text, err)
	}
	*t = timestamp(parsed.UTC())
	return nil
}
