package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timestamp is a DATETIME(6) column. The SQLite driver hands a DATETIME(6) column back
// as text (it recognises only a bare DATETIME as a time), and MySQL without parseTime
// hands back bytes, so rows scan times through this type rather than time.Time.
type timestamp time.Time

// layouts: glebarez/go-sqlite's storage format first, then MySQL's.
var layouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC3339Nano,
}

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
		return fmt.Errorf("store: cannot scan %T into a timestamp", src)
	}
	for _, layout := range layouts {
		if parsed, err := time.Parse(layout, text); err == nil {
			*t = timestamp(parsed.UTC())
			return nil
		}
	}
	return fmt.Errorf("store: %q is not a timestamp", text)
}

func (t timestamp) Value() (driver.Value, error) { return time.Time(t).UTC(), nil }

func (t timestamp) Time() time.Time { return time.Time(t) }
