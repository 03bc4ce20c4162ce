package db_test

import (
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
)

var (
	// instant has more precision than a DATETIME(6) column keeps.
	instant = time.Date(2026, 11, 21, 9, 30, 15, 123456789, time.UTC)
	micro   = instant.Truncate(time.Microsecond)
	paris   = time.FixedZone("CET", 3600)
)

func TestTimeScan(t *testing.T) {
	cases := []struct {
		name string
		src  any
		want time.Time
	}{
		{"time/utc", micro, micro},
		{"time/other_zone_becomes_utc", micro.In(paris), micro},
		{"sqlite_text/utc", "2026-11-21 09:30:15.123456+00:00", micro},
		{"sqlite_text/offset", "2026-11-21 10:30:15.123456+01:00", micro},
		{"sqlite_text/nanoseconds", "2026-11-21 09:30:15.123456789+00:00", instant},
		{"sqlite_text/whole_seconds", "2026-11-21 09:30:15+00:00", instant.Truncate(time.Second)},
		{"rfc3339/zulu", "2026-11-21T09:30:15.123456Z", micro},
		{"rfc3339/offset", "2026-11-21T10:30:15.123456+01:00", micro},
		{"mysql_text/string", "2026-11-21 09:30:15.123456", micro},
		{"mysql_text/bytes", []byte("2026-11-21 09:30:15.123456"), micro},
		{"mysql_text/whole_seconds", []byte("2026-11-21 09:30:15"), instant.Truncate(time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got db.Time
			if err := got.Scan(c.src); err != nil {
				t.Fatalf("Scan(%v): %v", c.src, err)
			}
			if !got.Equal(c.want) || got.Location() != time.UTC {
				t.Fatalf("Scan(%v) = %v, want %v in UTC", c.src, got.Time, c.want)
			}
		})
	}
}

func TestTimeScanRefuses(t *testing.T) {
	cases := []struct {
		name string
		src  any
	}{
		{"null", nil},
		{"number", int64(1763717415)},
		{"not_a_time", "yesterday"},
		{"date_only", "2026-11-21"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got db.Time
			if err := got.Scan(c.src); err == nil {
				t.Fatalf("Scan(%#v) accepted: %v", c.src, got.Time)
			}
		})
	}
}

func TestTimeValueIsUTCToTheMicrosecond(t *testing.T) {
	cases := []struct {
		name string
		in   db.Time
	}{
		{"literal", db.Time{instant.In(paris)}},
		{"constructor", db.NewTime(instant.In(paris))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := c.in.Value()
			if err != nil {
				t.Fatal(err)
			}
			got, ok := v.(time.Time)
			if !ok || !got.Equal(micro) || got.Location() != time.UTC {
				t.Fatalf("Value() = %#v, want %v in UTC", v, micro)
			}
		})
	}
	if got := db.NewTime(instant.In(paris)); !got.Equal(micro) || got.Location() != time.UTC {
		t.Fatalf("NewTime = %v, want %v in UTC", got.Time, micro)
	}
}

// timeRow is a table with the column types the services declare.
type timeRow struct {
	ID    int      `gorm:"column:id;primaryKey;autoIncrement:false"`
	At    db.Time  `gorm:"column:at"`
	Maybe *db.Time `gorm:"column:maybe"`
}

func (timeRow) TableName() string { return "times" }

// Every engine available stores a DATETIME(6) through Time and reads it back as written,
// and compares stored times in SQL as times.
func TestTimeRoundTrip(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			gdb := dbtest.Open(t, e.Config)
			if err := gdb.Exec("CREATE TABLE times (id BIGINT NOT NULL PRIMARY KEY, at DATETIME(6) NOT NULL, maybe DATETIME(6) NULL)").Error; err != nil {
				t.Fatal(err)
			}
			later := db.NewTime(instant.Add(time.Second).In(paris))
			rows := []timeRow{{ID: 1, At: db.NewTime(instant.In(paris))}, {ID: 2, At: later, Maybe: &later}}
			if err := gdb.Create(&rows).Error; err != nil {
				t.Fatal(err)
			}
			var got []timeRow
			if err := gdb.Order("id").Find(&got).Error; err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || !got[0].At.Equal(micro) || got[0].At.Location() != time.UTC || got[0].Maybe != nil ||
				!got[1].At.Equal(later.Time) || got[1].Maybe == nil || !got[1].Maybe.Equal(later.Time) {
				t.Fatalf("read back %+v", got)
			}
			var ids []int
			if err := gdb.Table("times").Where("at > ?", db.NewTime(micro)).Pluck("id", &ids).Error; err != nil {
				t.Fatal(err)
			}
			if len(ids) != 1 || ids[0] != 2 {
				t.Fatalf("at > %v: ids %v, want [2]", micro, ids)
			}
		})
	}
}
