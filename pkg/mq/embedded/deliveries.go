package embedded

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// claim is one delivery a consumer took for its handler.
type claim struct {
	deliveryID int64
	msg        mq.Delivered
}

// filterSlack lets a claim look past a few deliveries its tag filter skips, so a burst of
// unwanted tags does not cost one round trip each.
const filterSlack = 16

// claimDue marks up to n due deliveries of c's group and topics in flight and returns
// them, acknowledging on the way those whose tag c does not want (RocketMQ filters them
// out at the broker and moves on, so they are never redelivered). wait is how long until
// claiming again may find something.
func (b *Broker) claimDue(ctx context.Context, c *consumer, n int) (claims []claim, wait time.Duration, err error) {
	err = b.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		claims, wait = nil, b.opts.PollInterval
		now := time.Now().UnixMicro()
		rows, err := c.readyRows(ctx, tx, n+filterSlack)
		if err != nil {
			return err
		}
		var skipped []int64
		scanned := 0
		for _, r := range rows {
			if r.dueAt > now {
				wait = min(wait, time.Duration(r.dueAt-now)*time.Microsecond)
				break
			}
			if len(claims) == n {
				break
			}
			scanned++
			if c.subs[r.msg.Topic].filter.matches(r.msg.Tags) {
				claims = append(claims, r.claim)
			} else {
				skipped = append(skipped, r.deliveryID)
			}
		}
		if scanned == n+filterSlack {
			wait = 0 // a whole page was due and mostly filtered out: look again at once
		}
		if err := setDeliveries(ctx, tx, skipped, `DELETE FROM deliveries WHERE id = ?`); err != nil {
			return err
		}
		ids := make([]int64, len(claims))
		for i, cl := range claims {
			ids[i] = cl.deliveryID
		}
		return setDeliveries(ctx, tx, ids, `UPDATE deliveries SET state = `+strconv.Itoa(deliveryInFlight)+` WHERE id = ?`)
	})
	return claims, wait, err
}

type readyRow struct {
	claim
	dueAt int64
}

// readyRows reads the oldest-due ready deliveries of c's group and topics.
func (c *consumer) readyRows(ctx context.Context, tx *sql.Tx, limit int) ([]readyRow, error) {
	args := []any{c.group, deliveryReady}
	for topic := range c.subs {
		args = append(args, topic)
	}
	args = append(args, limit)
	marks := strings.Repeat(",?", len(c.subs))[1:]
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.due_at, d.reconsume_times, m.id, m.topic, m.tag,
		m.keys, m.properties, m.body, m.born_at, m.deliver_at
		FROM deliveries d JOIN messages m ON m.id = d.message_id
		WHERE d.consumer_group = ? AND d.state = ? AND d.topic IN (`+marks+`)
		ORDER BY d.due_at LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []readyRow
	for rows.Next() {
		var r readyRow
		var m messageRow
		var times int
		if err := rows.Scan(&r.deliveryID, &r.dueAt, &times, &m.id, &m.topic, &m.tag, &m.keys,
			&m.props, &m.body, &m.bornAt, &m.deliverAt); err != nil {
			return nil, err
		}
		if r.msg, err = m.delivered(times); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func setDeliveries(ctx context.Context, tx *sql.Tx, ids []int64, stmt string) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
			return err
		}
	}
	return nil
}

// ack forgets a delivery its handler succeeded with.
func (b *Broker) ack(ctx context.Context, deliveryID int64) error {
	return b.exec(ctx, `DELETE FROM deliveries WHERE id = ?`, deliveryID)
}

// requeue makes a delivery ready again at dueAt after reconsumeTimes failed deliveries.
func (b *Broker) requeue(ctx context.Context, deliveryID int64, reconsumeTimes int, dueAt time.Time) error {
	return b.exec(ctx, `UPDATE deliveries SET state = ?, reconsume_times = ?, due_at = ?
		WHERE id = ?`, deliveryReady, reconsumeTimes, dueAt.UnixMicro(), deliveryID)
}

// bury dead-letters a delivery after failures failed deliveries.
func (b *Broker) bury(ctx context.Context, deliveryID int64, failures int) error {
	return b.exec(ctx, `UPDATE deliveries SET state = ?, reconsume_times = ? WHERE id = ?`,
		deliveryDead, failures, deliveryID)
}
