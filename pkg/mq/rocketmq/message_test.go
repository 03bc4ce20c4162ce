package rocketmq

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

func testMessage() *mq.Message {
	msg := &mq.Message{Topic: "cartwheel_order", Tags: "created", Keys: []string{"order-1001", "user-7"},
		Body: []byte(`{"order_no":"1001"}`), Delay: 1500 * time.Millisecond}
	return msg.WithProperty("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").
		WithProperty("tx_id", "0190f5c2-7c3e-7d1a-9c55-1f2e3d4c5b6a")
}

func TestToRocketMQ(t *testing.T) {
	in := testMessage()
	before := *in
	before.Properties = maps.Clone(in.Properties)

	out, err := toRocketMQ(in, mustLevels(t, brokerTable))
	if err != nil {
		t.Fatalf("toRocketMQ: %v", err)
	}
	if out.Topic != "cartwheel_order" || !bytes.Equal(out.Body, in.Body) {
		t.Errorf("topic/body = %s/%q", out.Topic, out.Body)
	}
	for name, want := range map[string]string{
		"TAGS": "created", "KEYS": "order-1001 user-7", "DELAY": "2", // 1.5s rounds up to level 2 (2s)
		"traceparent": in.Property("traceparent"), "tx_id": in.Property("tx_id"),
	} {
		if got := out.GetProperty(name); got != want {
			t.Errorf("property %s = %q, want %q", name, got, want)
		}
	}
	if in.Topic != before.Topic || !maps.Equal(in.Properties, before.Properties) {
		t.Errorf("toRocketMQ changed the caller's message: %+v", in)
	}

	plain, err := toRocketMQ(&mq.Message{Topic: "t", Body: []byte("x")}, mustLevels(t, brokerTable))
	if err != nil {
		t.Fatalf("toRocketMQ(minimal): %v", err)
	}
	for _, name := range []string{"TAGS", "KEYS", "DELAY"} {
		if v := plain.GetProperty(name); v != "" {
			t.Errorf("a message without %s got %s=%q", name, name, v)
		}
	}
}

func TestToRocketMQRejects(t *testing.T) {
	levels := mustLevels(t, "1s 2s")
	cases := []struct {
		name    string
		edit    func(*mq.Message)
		wantErr string
	}{
		{"empty_topic", func(m *mq.Message) { m.Topic = "" }, "empty topic"},
		{"dotted_topic", func(m *mq.Message) { m.Topic = "order.created" }, "letters, digits"},
		{"long_topic", func(m *mq.Message) { m.Topic = strings.Repeat("t", 128) }, "longer than 127"},
		{"empty_body", func(m *mq.Message) { m.Body = nil }, "empty body"},
		{"body_over_4MiB", func(m *mq.Message) { m.Body = make([]byte, 4<<20+1) }, "over"},
		{"star_tag", func(m *mq.Message) { m.Tags = "*" }, "tag"},
		{"or_in_tag", func(m *mq.Message) { m.Tags = "paid||cancelled" }, "tag"},
		{"space_in_tag", func(m *mq.Message) { m.Tags = "paid now" }, "tag"},
		{"space_in_key", func(m *mq.Message) { m.Keys = []string{"order 1"} }, "key"},
		{"empty_key", func(m *mq.Message) { m.Keys = []string{""} }, "key"},
		{"reserved_property", func(m *mq.Message) { m.WithProperty("KEYS", "x") }, "reserved"},
		{"transient_property", func(m *mq.Message) { m.WithProperty("__RMQ.TRANSIENT.X", "x") }, "reserved"},
		{"separator_in_property", func(m *mq.Message) { m.WithProperty("trace", "a\x01b") }, "separator"},
		{"huge_properties", func(m *mq.Message) { m.WithProperty("blob", strings.Repeat("x", 20000)) }, "properties"},
		{"delay_beyond_table", func(m *mq.Message) { m.Delay = 3 * time.Second }, "largest delay level 2s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := &mq.Message{Topic: "cartwheel_order", Tags: "created", Body: []byte("x")}
			tc.edit(msg)
			if _, err := toRocketMQ(msg, levels); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("toRocketMQ error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := toRocketMQ(nil, levels); err == nil {
		t.Error("toRocketMQ(nil) accepted")
	}
}

// received builds what the client hands a consumer for a message that toRocketMQ made:
// the same properties plus those the client and the broker add.
func received(t *testing.T, out *primitive.Message, topic string) *primitive.MessageExt {
	t.Helper()
	ext := &primitive.MessageExt{MsgId: "7F00000100002A9F00000000000A1B2C", ReconsumeTimes: 2,
		BornTimestamp: time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC).UnixMilli()}
	ext.Topic = topic
	ext.Body = out.Body
	props := out.GetProperties()
	for name, value := range map[string]string{
		"UNIQ_KEY": "C0000202AB12000000006844A0800001", "MIN_OFFSET": "0", "MAX_OFFSET": "3",
		"CONSUME_START_TIME": "1795240528539", "CLUSTER": "DefaultCluster", "TRACE_ON": "true",
		"MSG_REGION": "DefaultRegion", "RETRY_TOPIC": "cartwheel_order", "REAL_TOPIC": "%RETRY%cg",
		"ORIGIN_MESSAGE_ID": "7F00000100002A9F0000000000000000", "__RMQ.TRANSIENT.TOPIC_SYS_FLAG": "0",
	} {
		props[name] = value
	}
	ext.WithProperties(props)
	return ext
}

func TestToDelivered(t *testing.T) {
	in := testMessage()
	out, err := toRocketMQ(in, mustLevels(t, brokerTable))
	if err != nil {
		t.Fatal(err)
	}
	got := toDelivered(received(t, out, "cartwheel_order"))

	if got.ID != "C0000202AB12000000006844A0800001" {
		t.Errorf("ID = %q, want the UNIQ_KEY, not the offset id", got.ID)
	}
	if got.Topic != in.Topic || got.Tags != in.Tags || !bytes.Equal(got.Body, in.Body) ||
		!slices.Equal(got.Keys, in.Keys) {
		t.Errorf("delivered %s/%s keys %q body %q, sent %s/%s keys %q body %q",
			got.Topic, got.Tags, got.Keys, got.Body, in.Topic, in.Tags, in.Keys, in.Body)
	}
	if !maps.Equal(got.Properties, in.Properties) {
		t.Errorf("properties = %v, want exactly the sender's %v", got.Properties, in.Properties)
	}
	if got.ReconsumeTimes != 2 || !got.BornAt.Equal(time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("ReconsumeTimes %d BornAt %v", got.ReconsumeTimes, got.BornAt)
	}

	t.Run("check_back_of_half_message", func(t *testing.T) {
		got := toDelivered(received(t, out, "RMQ_SYS_TRANS_HALF_TOPIC"))
		if got.Topic != "%RETRY%cg" { // REAL_TOPIC as set above
			t.Errorf("topic = %q, want the REAL_TOPIC property", got.Topic)
		}
	})
	t.Run("no_uniq_key_falls_back_to_msg_id", func(t *testing.T) {
		ext := received(t, out, "cartwheel_order")
		ext.RemoveProperty("UNIQ_KEY")
		if got := toDelivered(ext); got.ID != ext.MsgId {
			t.Errorf("ID = %q, want %q", got.ID, ext.MsgId)
		}
	})
	t.Run("no_user_properties", func(t *testing.T) {
		plain, _ := toRocketMQ(&mq.Message{Topic: "t", Body: []byte("x")}, mustLevels(t, brokerTable))
		if got := toDelivered(received(t, plain, "t")); len(got.Properties) != 0 || got.Keys != nil {
			t.Errorf("properties %v keys %q, want none", got.Properties, got.Keys)
		}
	})
}

func TestParseTagExpr(t *testing.T) {
	for in, want := range map[string]string{
		"": "*", " * ": "*", "paid": "paid", "paid||cancelled": "paid || cancelled",
		" paid || cancelled || refunded ": "paid || cancelled || refunded",
	} {
		if got, err := parseTagExpr(in); err != nil || got != want {
			t.Errorf("parseTagExpr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"paid ||", "|| paid", "paid || * ", "a |||| b"} {
		if _, err := parseTagExpr(bad); err == nil {
			t.Errorf("parseTagExpr(%q) accepted", bad)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"cartwheel_order", "cg-order", "%RETRY%cg", "A|b"} {
		if err := validateName("topic", ok, maxTopicLen); err != nil {
			t.Errorf("validateName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "order.created", "order created", "ordér", strings.Repeat("x", 128)} {
		if err := validateName("topic", bad, maxTopicLen); err == nil {
			t.Errorf("validateName(%q) accepted", bad)
		}
	}
}

func TestLocalState(t *testing.T) {
	cases := []struct {
		err  error
		want primitive.LocalTransactionState
	}{
		{nil, primitive.CommitMessageState},
		{mq.ErrTxUnknown, primitive.UnknowState},
		{fmt.Errorf("commit: connection reset: %w", mq.ErrTxUnknown), primitive.UnknowState},
		{errors.New("insert order: UNIQUE constraint failed"), primitive.RollbackMessageState},
	}
	for _, tc := range cases {
		if got := localState(tc.err); got != tc.want {
			t.Errorf("localState(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
