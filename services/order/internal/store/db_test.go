package store

import (
	"testing"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/mqtest"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
)

// fixture is one test's fresh database, its store and the producer the store sends on.
type fixture struct {
	db       *gorm.DB
	store    *Store
	producer *mqtest.Recorder
}

// eachEngine runs test once per database engine (pkg/db/dbtest), each time on a fresh
// migrated database.
func eachEngine(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Helper()
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		p := &mqtest.Recorder{}
		test(t, &fixture{db: gdb, store: New(gdb, txmsg.NewSender(gdb, p)), producer: p})
	})
}
