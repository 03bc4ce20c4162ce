package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"testing"
	"time"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

func TestEncode(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		ev      order.Event
		tag     string
		payload any // a pointer to the expected decoded body
	}{
		{"created", order.OrderCreated{ID: "o1", UserID: "u1", CreatedAt: at,
			Lines: []order.Line{{SKU: "A", Quantity: 2}, {SKU: "B", Quantity: 1}}},
			eventsapi.TAG_CREATED, &eventsapi.OrderCreated{OrderId: "o1", UserId: "u1", CreatedAtMs: at.UnixMilli(),
				Lines: []*eventsapi.EventLine{{Sku: "A", Quantity: 2}, {Sku: "B", Quantity: 1}}}},
		{"paid", order.OrderPaid{ID: "o1", PaymentID: "p1"},
			eventsapi.TAG_PAID, &eventsapi.OrderPaid{OrderId: "o1", PaymentId: "p1"}},
		{"cancelled", order.OrderCancelled{ID: "o1", Reason: order.PaymentTimeout},
			eventsapi.TAG_CANCELLED, &eventsapi.OrderCancelled{OrderId: "o1", Reason: "PAYMENT_TIMEOUT"}},
		{"refund_requested", order.RefundRequested{ID: "o1", PaymentID: "p2", Reason: order.RefundOrderCancelled},
			eventsapi.TAG_REFUND_REQUESTED, &eventsapi.RefundRequested{OrderId: "o1", PaymentId: "p2", Reason: "ORDER_CANCELLED"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := Encode(tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if msg.Topic != eventsapi.TOPIC_ORDER || msg.Tags != tc.tag || !reflect.DeepEqual(msg.Keys, []string{"o1"}) {
				t.Fatalf("message %s/%s keys %v", msg.Topic, msg.Tags, msg.Keys)
			}
			got := reflect.New(reflect.TypeOf(tc.payload).Elem()).Interface()
			if err := json.Unmarshal(msg.Body, got); err != nil || !reflect.DeepEqual(got, tc.payload) {
				t.Fatalf("body %s decodes to %+v, want %+v (%v)", msg.Body, got, tc.payload, err)
			}
		})
	}
}

type sendRecorder struct {
	sent []mq.Message
	err  error
}

func (r *sendRecorder) Send(_ context.Context, msg *mq.Message) (string, error) {
	r.sent = append(r.sent, *msg)
	return "id", r.err
}
func (r *sendRecorder) SendInTransaction(context.Context, *mq.Message, mq.LocalTx) (string, error) {
	return "", errors.New("not used")
}
func (r *sendRecorder) Close() error { return nil }

func TestScheduleTimeout(t *testing.T) {
	rec := &sendRecorder{}
	deadline := time.Date(2026, 11, 1, 12, 15, 0, 0, time.UTC)
	if err := NewTimeouts(rec).ScheduleTimeout(context.Background(), "o1", deadline, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	msg := rec.sent[0]
	var body eventsapi.OrderTimeout
	json.Unmarshal(msg.Body, &body)
	if len(rec.sent) != 1 || msg.Tags != eventsapi.TAG_TIMEOUT || msg.Delay != 90*time.Second ||
		body != (eventsapi.OrderTimeout{OrderId: "o1", DeadlineMs: deadline.UnixMilli()}) {
		t.Fatalf("sent %+v with body %+v", rec.sent, body)
	}
	rec.err = errors.New("broker down")
	if err := NewTimeouts(rec).ScheduleTimeout(context.Background(), "o1", deadline, time.Second); err == nil {
		t.Fatal("a failed send was reported as sent")
	}
}

// fakeProtocol records calls and answers with err.
type fakeProtocol struct {
	calls []string
	err   error
}

func (p *fakeProtocol) StockReserved(_ context.Context, id string) error {
	p.calls = append(p.calls, "reserved "+id)
	return p.err
}
func (p *fakeProtocol) StockRejected(_ context.Context, id string) error {
	p.calls = append(p.calls, "rejected "+id)
	return p.err
}
func (p *fakeProtocol) PaymentTimedOut(_ context.Context, id string) error {
	p.calls = append(p.calls, "timeout "+id)
	return p.err
}
func (p *fakeProtocol) PaymentSucceeded(_ context.Context, pay order.Payment) error {
	p.calls = append(p.calls, "paid "+pay.OrderID+" "+pay.ID+" "+pay.Amount.String())
	return p.err
}

// subscriptions records what Subscribe registered, by topic.
type subscriptions map[string]struct {
	tags string
	h    mq.Handler
}

func (s subscriptions) Subscribe(topic, tags string, h mq.Handler) error {
	s[topic] = struct {
		tags string
		h    mq.Handler
	}{tags, h}
	return nil
}
func (s subscriptions) Start() error { return nil }
func (s subscriptions) Close() error { return nil }

func TestSubscribe(t *testing.T) {
	subs := subscriptions{}
	if err := Subscribe(subs, &fakeProtocol{}, slog.Default()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		eventsapi.TOPIC_STOCK:   "reserved || rejected",
		eventsapi.TOPIC_ORDER:   "timeout",
		eventsapi.TOPIC_PAYMENT: "succeeded",
	}
	for topic, tags := range want {
		if subs[topic].tags != tags {
			t.Errorf("%s: subscribed %q, want %q", topic, subs[topic].tags, tags)
		}
	}
	if len(subs) != len(want) {
		t.Fatalf("subscribed to %d topics, want %d", len(subs), len(want))
	}
}

func TestHandlers(t *testing.T) {
	errLater := errors.New("not yet")
	cases := []struct {
		name      string
		topic     string
		tag       string
		body      string
		answer    error // what the protocol answers
		wantCall  string
		wantError bool
	}{
		{"reserved", eventsapi.TOPIC_STOCK, "reserved", `{"order_id":"o1"}`, nil, "reserved o1", false},
		{"rejected", eventsapi.TOPIC_STOCK, "rejected", `{"order_id":"o1","sku":"A","reason":"x"}`, nil, "rejected o1", false},
		{"timeout", eventsapi.TOPIC_ORDER, "timeout", `{"order_id":"o1","deadline_ms":1}`, nil, "timeout o1", false},
		{"payment", eventsapi.TOPIC_PAYMENT, "succeeded",
			`{"payment_id":"p1","order_id":"o1","amount":{"amount_cents":1999,"currency":"USD"},"provider_txn_id":"t"}`,
			nil, "paid o1 p1 19.99 USD", false},
		{"payment_without_amount_is_passed_on", eventsapi.TOPIC_PAYMENT, "succeeded", `{"payment_id":"p1","order_id":"o1"}`,
			nil, "paid o1 p1 " + money.Money{}.String(), false},
		{"not_applied_yet_is_redelivered", eventsapi.TOPIC_STOCK, "reserved", `{"order_id":"o1"}`, errLater, "reserved o1", true},
		{"unknown_order_is_acknowledged", eventsapi.TOPIC_ORDER, "timeout", `{"order_id":"o1"}`, order.ErrNotFound, "timeout o1", false},
		{"poison_is_acknowledged", eventsapi.TOPIC_STOCK, "reserved", `{"order_id":`, nil, "", false},
		{"no_order_id_is_acknowledged", eventsapi.TOPIC_STOCK, "rejected", `{"sku":"A"}`, nil, "", false},
		{"no_payment_id_is_acknowledged", eventsapi.TOPIC_PAYMENT, "succeeded", `{"order_id":"o1"}`, nil, "", false},
		{"unexpected_tag_is_acknowledged", eventsapi.TOPIC_STOCK, "exploded", `{"order_id":"o1"}`, nil, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			subs, proto := subscriptions{}, &fakeProtocol{err: tc.answer}
			logs := &bytes.Buffer{}
			if err := Subscribe(subs, proto, slog.New(slog.NewTextHandler(logs, nil))); err != nil {
				t.Fatal(err)
			}
			msg := &mq.Delivered{Message: mq.Message{Topic: tc.topic, Tags: tc.tag, Body: []byte(tc.body)}, ID: "m1"}
			err := subs[tc.topic].h(context.Background(), msg)
			if tc.wantError != (err != nil) {
				t.Fatalf("handler returned %v, want error=%v", err, tc.wantError)
			}
			var want []string
			if tc.wantCall != "" {
				want = []string{tc.wantCall}
			}
			if !reflect.DeepEqual(proto.calls, want) {
				t.Fatalf("calls %v, want %v", proto.calls, want)
			}
			if tc.wantCall == "" && logs.Len() == 0 {
				t.Fatal("a dropped message was not logged")
			}
		})
	}
}
