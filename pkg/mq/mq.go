// Package mq is Cartwheel's messaging port: RocketMQ-shaped producers and consumers
// (topics, tags, keys, properties, delays, transactional half messages with check-back,
// consumer groups) that every driver implements and one contract suite verifies.
package mq

import (
	"context"
	"errors"
	"time"
)

// Message is what a producer sends.
type Message struct {
	Topic string
	// Tags is a single tag; consumers filter on it ("created", "reserved", ...).
	Tags string
	// Keys index the message for look-up and de-duplication (an order id, a payment id).
	Keys []string
	// Properties carry metadata such as the transaction id and, later, trace context.
	Properties map[string]string
	Body       []byte
	// Delay postpones delivery. Drivers that only know delay levels round up to the
	// nearest level at or above it.
	Delay time.Duration
}

// Property returns the named property or "".
func (m *Message) Property(name string) string {
	if m.Properties == nil {
		return ""
	}
	return m.Properties[name]
}

// WithProperty sets a property, allocating the map when needed, and returns m.
func (m *Message) WithProperty(name, value string) *Message {
	if m.Properties == nil {
		m.Properties = make(map[string]string)
	}
	m.Properties[name] = value
	return m
}

// Delivered is a message as a consumer or a transaction checker sees it.
type Delivered struct {
	Message
	ID string
	// ReconsumeTimes counts earlier failed deliveries of this message to this group.
	ReconsumeTimes int
	BornAt         time.Time
}

// TxState is the outcome of a half message's local transaction.
type TxState int

const (
	// TxUnknown leaves the half message for the broker to check back later.
	TxUnknown TxState = iota
	// TxCommit makes the message visible to consumers.
	TxCommit
	// TxRollback discards the message.
	TxRollback
)

func (s TxState) String() string {
	switch s {
	case TxCommit:
		return "COMMIT"
	case TxRollback:
		return "ROLLBACK"
	default:
		return "UNKNOWN"
	}
}

// ErrTxUnknown, returned by a local transaction, leaves its half message undecided, so
// the broker settles it through the producer's Checker. A local transaction that cannot
// tell whether its commit reached the database should return it.
var ErrTxUnknown = errors.New("mq: local transaction outcome unknown")

// LocalTx is the local transaction of a half message: nil commits the message,
// ErrTxUnknown (wrapped or not) leaves it to check-back, any other error rolls it back.
type LocalTx func(ctx context.Context) error

// Checker answers the broker's check-back for a half message whose outcome is unknown.
// It must answer from the producer's own database, never from memory.
type Checker func(ctx context.Context, msg *Delivered) TxState

// Handler consumes one message. nil acknowledges it; an error asks for redelivery later
// with back-off, up to the driver's retry limit, after which the message is dead-lettered.
type Handler func(ctx context.Context, msg *Delivered) error

// Producer sends messages for one producer group.
type Producer interface {
	// Send sends a normal (possibly delayed) message and returns its id.
	Send(ctx context.Context, msg *Message) (string, error)
	// SendInTransaction sends msg as a half message, runs local, and commits or rolls
	// back the message by local's result. It returns local's error, if any; the
	// message id is returned whenever the half message was stored.
	SendInTransaction(ctx context.Context, msg *Message, local LocalTx) (string, error)
	Close() error
}

// Consumer receives messages for one consumer group. Every group subscribed to a topic
// gets its own copy of each message; within a group each message is handled once per
// successful delivery (at least once overall).
type Consumer interface {
	// Subscribe registers h for the messages of topic whose tag matches tagExpr
	// ("*" or "a || b"). Call it before Start.
	Subscribe(topic, tagExpr string, h Handler) error
	Start() error
	// Close stops taking new messages and waits for handlers in flight.
	Close() error
}

// Driver makes producers and consumers on one broker.
type Driver interface {
	// NewProducer returns a producer for group. checker may be nil for a producer that
	// never sends transactional messages.
	NewProducer(group string, checker Checker) (Producer, error)
	NewConsumer(group string) (Consumer, error)
	Close() error
}
