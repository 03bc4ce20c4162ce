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
		var skipped []int64
		scanned := 0
		err := c.scanReady(ctx, tx, n+filterSlack, func(r readyRow) (bool, error) {
			if r.dueAt > now {
				wait = min(wait, time.Duration(r.dueAt-now)*time.Microsecond)
				return false, nil
			}
			scanned++
			if !c.subs[r.msg.topic].filter.matches(r.msg.tag) {
				skipped = append(skipped, r.deliveryID)
				return true, nil
			}
			msg, err := r.msg.delivered(r.reconsumeTimes)
			if err != nil {
				return false, err
			}
			claims = append(claims, claim{deliveryID: r.deliveryID, msg: msg})
			return len(claims) < n, nil
		})
		if err != nil {
			return err
		}
		if scanned == n+filterSlack {
			wait = 0 // a whole page was due and mostly filtered out: look again at once
		}
		if err := setDeliveries(ctx, tx, skipped, `DELETE FROM deliveries WHERE id IN `); err != nil {
			return err
		}
		ids := make([]int64, len(claims))
		for i, cl := range claims {
			ids[i] = cl.deliveryID
		}
		return setDeliveries(ctx, tx, ids, `UPDATE deliveries SET state = `+strconv.Itoa(deliveryInFlight)+` WHERE id IN `)
	})
	return claims, wait, err
}

// readyRow is a ready delivery as read, its message not decoded yet.
type readyRow struct {
	deliveryID     int64
	dueAt          int64
	reconsumeTimes int
	msg            messageRow
}

// scanReady hands visit the ready deliveries of c's group and topics, oldest due first,
// up to limit of them, until visit answers false. It reads no further than it is asked:
// a claim of one message under a backlog reads a row or two, not a page.
func (c *consumer) scanReady(ctx context.Context, tx *sql.Tx, limit int, visit func(readyRow) (bool, error)) error {
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
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r readyRow
		m := &r.msg
		if err := rows.Scan(&r.deliveryID, &r.dueAt, &r.reconsumeTimes, &m.id, &m.topic, &m.tag, &m.keys,
			&m.props, &m.body, &m.bornAt, &m.deliverAt); err != nil {
			return err
		}
		more, err := visit(r)
		if err != nil || !more {
			return err
		}
	}
	return rows.Err()
}

// setDeliveries runs stmt, which ends in "WHERE id IN ", for ids in one statement.
func setDeliveries(ctx context.Context, tx *sql.Tx, ids []int64, stmt string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	_, err := tx.ExecContext(ctx, stmt+"("+strings.Repeat(",?", len(ids))[1:]+")", args...)
	return err
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
