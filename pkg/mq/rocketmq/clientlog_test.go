package rocketmq

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/apache/rocketmq-client-go/v2/primitive"
)

func TestClientLogLeavesMessageBodiesOut(t *testing.T) {
	var buf bytes.Buffer
	l := newClientLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	msg := primitive.NewMessage("cartwheel_order", []byte(`{"email":"ada@example.com"}`))
	msg.WithTag("order.created")
	msg.WithKeys([]string{"order-42"})
	ext := &primitive.MessageExt{Message: *primitive.NewMessage("cartwheel_stock", []byte("card 4111")), MsgId: "M1"}

	l.Error("executeLocalTransaction but state unexpected", map[string]any{"localState": 2, "message": msg})
	l.Warning("consume failed", map[string]any{"messages": []*primitive.MessageExt{ext}, "one": ext})
	l.Fatal("gave up", map[string]any{"message": (*primitive.Message)(nil)})

	out := buf.String()
	for _, secret := range []string{"ada@example.com", "card 4111"} {
		if strings.Contains(out, secret) {
			t.Errorf("a message body reached the log:\n%s", out)
		}
	}
	for _, want := range []string{
		"level=ERROR", "localState=2", "topic=cartwheel_order tags=order.created keys=order-42 bytes=27",
		"level=WARN", "topic=cartwheel_stock", "msg_id=M1", `msg="gave up"`, "component=rocketmq-client",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestClientLogKeepsTheClientsChatterOutUnlessAskedFor(t *testing.T) {
	var buf bytes.Buffer
	l := newClientLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	l.Info("rebalance done", nil)
	l.Debug("heartbeat", nil)
	if buf.Len() != 0 {
		t.Fatalf("info and debug logged at the default level:\n%s", buf.String())
	}
	l.Level("info")
	l.Info("rebalance done", nil)
	l.Debug("heartbeat", nil)
	if out := buf.String(); !strings.Contains(out, "rebalance done") || strings.Contains(out, "heartbeat") {
		t.Fatalf("at info, want the info line only:\n%s", out)
	}
	l.Level("nonsense") // ignored
	buf.Reset()
	l.Info("still info", nil)
	if !strings.Contains(buf.String(), "still info") {
		t.Fatal("an unknown level name changed the level")
	}
}
