// Package txmsg ties a transactional message to a GORM transaction: the half message is
// committed if and only if the database transaction committed, and the broker's
// check-back is answered from a row written in that same transaction, never from memory.
package txmsg

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// PropTxID is the message property holding the transaction id.
const PropTxID = "tx_id"

// LocalTimeout bounds every local transaction. database/sql rolls a transaction back
// when its context ends, so a local transaction can never commit after this long; the
// checker relies on that to answer ROLLBACK for a missing row (brokers check back only
// after their own transaction timeout, which must be longer: RocketMQ's default is 6s,
// the embedded broker's CheckAfter is set at or above this).
const LocalTimeout = 5 * time.Second

// Record is the row that proves a local transaction committed. Every producing service
// has the table mq_tx_log in its own schema (see its migrations).
type Record struct {
	TxID      string    `gorm:"column:tx_id;primaryKey"`
	Topic     string    `gorm:"column:topic"`
	Tag       string    `gorm:"column:tag"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

// TableName pins the table name.
func (Record) TableName() string { return "mq_tx_log" }

// Sender sends transactional messages whose local transaction is a GORM transaction.
type Sender struct {
	db       *gorm.DB
	producer mq.Producer
}

// NewSender pairs a database with a producer whose checker is Checker(db).
func NewSender(db *gorm.DB, producer mq.Producer) *Sender {
	return &Sender{db: db, producer: producer}
}

// Send sends msg as a half message, runs fn in a database transaction that also writes
// the tx-log row, and commits the message iff the transaction committed. fn's error is
// returned as is. A commit whose outcome is unknown (the connection broke during COMMIT)
// leaves the message to the broker's check-back. The row is written before fn, so that
// it is not one more statement while fn's row locks are held.
func (s *Sender) Send(ctx context.Context, msg *mq.Message, fn func(tx *gorm.DB) error) error {
	txID := ids.New()
	msg.WithProperty(PropTxID, txID)
	_, err := s.producer.SendInTransaction(ctx, msg, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, LocalTimeout)
		defer cancel()
		tx := s.db.WithContext(ctx).Begin()
		if tx.Error != nil {
			return fmt.Errorf("txmsg: begin: %w", tx.Error)
		}
		rec := Record{TxID: txID, Topic: msg.Topic, Tag: msg.Tags, CreatedAt: time.Now().UTC()}
		if err := tx.Create(&rec).Error; err != nil {
			tx.Rollback()
			return fmt.Errorf("txmsg: record: %w", err)
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit().Error; err != nil {
			return fmt.Errorf("txmsg: commit: %v: %w", err, mq.ErrTxUnknown)
		}
		return nil
	})
	return err
}

// Checker answers check-backs from db: COMMIT when the tx-log row exists, ROLLBACK when
// it does not (once LocalTimeout has passed since the message was born the transaction can
// no longer commit; before that the answer is UNKNOWN), UNKNOWN when the database cannot be read.
func Checker(db *gorm.DB) mq.Checker {
	return func(ctx context.Context, msg *mq.Delivered) mq.TxState {
		txID := msg.Property(PropTxID)
		if txID == "" {
			return mq.TxRollback
		}
		var n int64
		// Count, not Take: only existence matters, and scanning created_at would depend
		// on how each driver returns a DATETIME(6) column.
		if err := db.WithContext(ctx).Model(&Record{}).Where("tx_id = ?", txID).Count(&n).Error; err != nil {
			return mq.TxUnknown
		}
		if n > 0 {
			return mq.TxCommit
		}
		if time.Since(msg.BornAt) < LocalTimeout {
			return mq.TxUnknown // the local transaction may still be running
		}
		return mq.TxRollback
	}
}

// Transaction runs fn in one database transaction: with a message, as its local
// transaction (Send); with none (nil), as a plain transaction that announces nothing.
func (s *Sender) Transaction(ctx context.Context, msg *mq.Message, fn func(tx *gorm.DB) error) error {
	if msg == nil {
		return s.db.WithContext(ctx).Transaction(fn)
	}
	return s.Send(ctx, msg, fn)
}
