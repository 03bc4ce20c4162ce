package db

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Time is a DATETIME(6) column that reads the same on both engines. MySQL hands back a
// time.Time (Open sets parseTime=true) or, without parseTime, text; the SQLite driver
// turns a column into a time.Time only when its declared type is exactly DATE, DATETIME
// or TIMESTAMP, so DATETIME(6) comes back as the text it wrote. Time is always UTC, to
// the microsecond the column keeps: stored texts then compare in SQL as the times do.
type Time struct{ time.Time }

// NewTime is t as a DATETIME(6) column holds it: UTC, whole microseconds.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

// textLayouts are the forms a time comes back in as text: the SQLite driver's own first
// (the zone as -07:00, which Z07:00 also reads), then RFC 3339, then MySQL's, which has
// no zone and is UTC because Open sets loc=UTC.
var textLayouts = [...]string{
	"2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
}

// Scan implements sql.Scanner for a time.Time or its text.
func (t *Time) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("db: cannot scan %T into a time", src)
	}
	for _, layout := range textLayouts {
		if parsed, err := time.Parse(layout, text); err == nil {
			t.Time = parsed.UTC()
			return nil
		}
	}
	return fmt.Errorf("db: %q is not a time", text)
}

// Value implements driver.Valuer: a time.Time, which each driver encodes natively.
func (t Time) Value() (driver.Value, error) { return NewTime(t.Time).Time, nil }
