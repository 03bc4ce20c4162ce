package embedded

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	_ "github.com/glebarez/go-sqlite" // registers the pure-Go "sqlite" driver

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// Message states. A rolled-back half message is deleted rather than marked.
const (
	msgHalf      = 0
	msgCommitted = 1
)

// Delivery states: one delivery row is one group's copy of a committed message.
const (
	deliveryReady    = 0
	deliveryInFlight = 1
	deliveryDead     = 2
)

const schemaVersion = 1

// schema keeps every time as Unix microseconds. A committed message is fanned out into
// one delivery per subscribed group at commit time, which is what makes a group receive
// exactly the messages committed after its first subscription.
const schema = `
CREATE TABLE IF NOT EXISTS messages (
	id             TEXT PRIMARY KEY,
	topic          TEXT NOT NULL,
	tag            TEXT NOT NULL,
	keys           TEXT NOT NULL,
	properties     TEXT NOT NULL,
	body           BLOB NOT NULL,
	born_at        INTEGER NOT NULL,
	deliver_at     INTEGER NOT NULL,
	state          INTEGER NOT NULL,
	producer_group TEXT NOT NULL,
	check_at       INTEGER NOT NULL,
	check_times    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_check ON messages (state, check_at);
CREATE TABLE IF NOT EXISTS subscriptions (
	consumer_group TEXT NOT NULL,
	topic          TEXT NOT NULL,
	tag_expr       TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	PRIMARY KEY (consumer_group, topic)
);
CREATE INDEX IF NOT EXISTS subscriptions_topic ON subscriptions (topic);
CREATE TABLE IF NOT EXISTS deliveries (
	id              INTEGER PRIMARY KEY,
	message_id      TEXT NOT NULL REFERENCES messages (id),
	consumer_group  TEXT NOT NULL,
	topic           TEXT NOT NULL,
	state           INTEGER NOT NULL,
	due_at          INTEGER NOT NULL,
	reconsume_times INTEGER NOT NULL DEFAULT 0,
	UNIQUE (message_id, consumer_group)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (consumer_group, state, due_at);
`

// openDB opens the file with WAL (external readers do not block the broker) and
// synchronous=NORMAL: a committed write survives the process dying, which is the failure
// this broker must ride out; the last writes may be lost on power loss, acceptable for a
// development broker. One connection serialises writers in Go instead of in SQLite's
// busy handler, which keeps hundreds of concurrent senders fair and free of SQLITE_BUSY.
func openDB(path string) (*sql.DB, error) {
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := migrate(db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func migrate(db *sql.DB) error {
	var version int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > schemaVersion {
		return fmt.Errorf("schema version %d is newer than this broker (%d)", version, schemaVersion)
	}
	if _, err := db.Exec(schema); err != nil {
		return err
	}
	_, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion))
	return err
}

// takeOver takes over from the previous process: deliveries it left in flight become
// ready again, and its undecided half messages are due for check-back now, because
// their local transactions ended with it. Messages nobody will read are dropped.
func (b *Broker) takeOver(ctx context.Context) error {
	res, err := b.db.ExecContext(ctx,
		`UPDATE deliveries SET state = ? WHERE state = ?`, deliveryReady, deliveryInFlight)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		b.log.Info("redelivering messages left in flight", "count", n)
	}
	res, err = b.db.ExecContext(ctx, `UPDATE messages SET check_at = MIN(check_at, ?) WHERE state = ?`,
		time.Now().UnixMicro(), msgHalf)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		b.log.Info("checking back undecided half messages", "count", n)
	}
	return b.sweep(ctx)
}

// sweep deletes committed messages that no group still has to consume.
func (b *Broker) sweep(ctx context.Context) error {
	return b.exec(ctx, `DELETE FROM messages WHERE state = ? AND NOT EXISTS
		(SELECT 1 FROM deliveries d WHERE d.message_id = messages.id)`, msgCommitted)
}

// exec writes one statement.
func (b *Broker) exec(ctx context.Context, query string, args ...any) error {
	return b.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// newID returns a random id shaped like a RocketMQ message id (32 upper-case hex digits).
func newID() string {
	var raw [16]byte
	rand.Read(raw[:])
	return strings.ToUpper(hex.EncodeToString(raw[:]))
}

// insertMessage stores msg under id as a half message of group or, when committed,
// makes it visible at once.
func (b *Broker) insertMessage(ctx context.Context, id string, msg *mq.Message, group string, committed bool) error {
	keys, err := json.Marshal(msg.Keys)
	if err != nil {
		return err
	}
	props, err := json.Marshal(msg.Properties)
	if err != nil {
		return err
	}
	born := time.Now()
	deliverAt := born.Add(max(msg.Delay, 0)).UnixMicro()
	state := msgHalf
	if committed {
		state = msgCommitted
	}
	return b.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO messages (id, topic, tag, keys, properties, body,
			born_at, deliver_at, state, producer_group, check_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			id, msg.Topic, msg.Tags, string(keys), string(props), msg.Body,
			born.UnixMicro(), deliverAt, state, group, born.Add(b.opts.CheckAfter).UnixMicro())
		if err != nil || !committed {
			return err
		}
		return fanOut(ctx, tx, id, msg.Topic, deliverAt)
	})
}

// fanOut gives every group subscribed to topic its own copy of message id.
func fanOut(ctx context.Context, tx *sql.Tx, id, topic string, dueAt int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (message_id, consumer_group, topic, state, due_at)
		SELECT ?, consumer_group, topic, ?, ? FROM subscriptions WHERE topic = ?`,
		id, deliveryReady, dueAt, topic)
	return err
}

// settle commits or rolls back half message id. It reports false when the message was
// no longer a half message, because the local transaction and a check-back raced.
func (b *Broker) settle(ctx context.Context, id string, commit bool) (bool, error) {
	var settled bool
	var topic string
	err := b.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		settled = false
		var deliverAt int64
		err := tx.QueryRowContext(ctx, `SELECT topic, deliver_at FROM messages WHERE id = ? AND state = ?`,
			id, msgHalf).Scan(&topic, &deliverAt)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		settled = true
		if !commit {
			_, err = tx.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, id)
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE messages SET state = ? WHERE id = ?`, msgCommitted, id); err != nil {
			return err
		}
		return fanOut(ctx, tx, id, topic, deliverAt)
	})
	if err != nil || !settled {
		return false, err
	}
	if commit {
		b.stats.Committed.Add(1)
		b.wake(topic)
	} else {
		b.stats.RolledBack.Add(1)
	}
	return true, nil
}

// halfMessage is an undecided half message due for check-back.
type halfMessage struct {
	mq.Delivered
	group      string
	checkTimes int
}

func (b *Broker) dueHalfMessages(ctx context.Context, limit int) ([]halfMessage, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT id, topic, tag, keys, properties, body, born_at,
		deliver_at, producer_group, check_times FROM messages WHERE state = ? AND check_at <= ?
		ORDER BY check_at LIMIT ?`, msgHalf, time.Now().UnixMicro(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []halfMessage
	for rows.Next() {
		var h halfMessage
		var r messageRow
		if err := rows.Scan(&r.id, &r.topic, &r.tag, &r.keys, &r.props, &r.body, &r.bornAt,
			&r.deliverAt, &h.group, &h.checkTimes); err != nil {
			return nil, err
		}
		if h.Delivered, err = r.delivered(0); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// postponeCheck moves the next check-back of id to at, counting a check when asked.
func (b *Broker) postponeCheck(ctx context.Context, id string, at time.Time, counted bool) error {
	inc := 0
	if counted {
		inc = 1
	}
	return b.exec(ctx, `UPDATE messages SET check_at = ?, check_times = check_times + ?
		WHERE id = ? AND state = ?`, at.UnixMicro(), inc, id, msgHalf)
}

// recordSubscriptions stores the subscriptions of group; the first one for a topic fixes
// from when the group receives its messages, a later one only updates the tag expression.
func (b *Broker) recordSubscriptions(ctx context.Context, group string, exprs map[string]string) error {
	now := time.Now().UnixMicro()
	return b.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for topic, expr := range exprs {
			_, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (consumer_group, topic, tag_expr, created_at)
				VALUES (?,?,?,?) ON CONFLICT (consumer_group, topic) DO UPDATE SET tag_expr = excluded.tag_expr`,
				group, topic, expr, now)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// messageRow is the scanned form of a message.
type messageRow struct {
	id, topic, tag, keys, props string
	body                        []byte
	bornAt, deliverAt           int64
}

func (r messageRow) delivered(reconsumeTimes int) (mq.Delivered, error) {
	d := mq.Delivered{
		ID:             r.id,
		ReconsumeTimes: reconsumeTimes,
		BornAt:         time.UnixMicro(r.bornAt),
		Message: mq.Message{
			Topic: r.topic,
			Tags:  r.tag,
			Body:  r.body,
			Delay: time.Duration(r.deliverAt-r.bornAt) * time.Microsecond,
		},
	}
	if err := json.Unmarshal([]byte(r.keys), &d.Keys); err != nil {
		return d, fmt.Errorf("message %s keys: %w", r.id, err)
	}
	if err := json.Unmarshal([]byte(r.props), &d.Properties); err != nil {
		return d, fmt.Errorf("message %s properties: %w", r.id, err)
	}
	return d, nil
}

func (b *Broker) deadLetters(ctx context.Context, group string) ([]mq.Delivered, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT m.id, m.topic, m.tag, m.keys, m.properties, m.body,
		m.born_at, m.deliver_at, d.reconsume_times FROM deliveries d JOIN messages m ON m.id = d.message_id
		WHERE d.consumer_group = ? AND d.state = ? ORDER BY m.born_at`, group, deliveryDead)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mq.Delivered
	for rows.Next() {
		var r messageRow
		var times int
		if err := rows.Scan(&r.id, &r.topic, &r.tag, &r.keys, &r.props, &r.body, &r.bornAt,
			&r.deliverAt, &times); err != nil {
			return nil, err
		}
		d, err := r.delivered(times)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
