package obs

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
)

// A message carries its sender's trace: the consumer's span belongs to the producer's
// trace even for a delayed message, the sender's message is left as it was, and both
// ends are counted.
func TestMessagesCarryTheSendersTrace(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	Install(tp)

	broker, err := embedded.Open(filepath.Join(t.TempDir(), "broker.db"), embedded.Options{PollInterval: 10 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	tel := New()
	d := tel.MQ(broker)

	got := make(chan trace.SpanContext, 1)
	c, err := d.NewConsumer("g")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe("t", "*", func(ctx context.Context, _ *mq.Delivered) error {
		got <- trace.SpanContextFromContext(ctx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	p, err := d.NewProducer("p", nil)
	if err != nil {
		t.Fatal(err)
	}

	ctx, root := tp.Tracer("test").Start(context.Background(), "request")
	msg := &mq.Message{Topic: "t", Tags: "x", Body: []byte("{}"), Delay: 50 * time.Millisecond}
	if _, err := p.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	root.End()
	if msg.Properties != nil {
		t.Fatalf("the sender's message was changed: %v", msg.Properties)
	}
	select {
	case sc := <-got:
		if sc.TraceID() != root.SpanContext().TraceID() {
			t.Fatalf("consumer in trace %s, want the sender's %s", sc.TraceID(), root.SpanContext().TraceID())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("message not delivered")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	var kinds []string
	for _, s := range spans.Ended() {
		if s.SpanContext().TraceID() == root.SpanContext().TraceID() {
			kinds = append(kinds, s.SpanKind().String()+" "+s.Name())
		}
	}
	joined := strings.Join(kinds, ", ")
	if !strings.Contains(joined, "producer send t") || !strings.Contains(joined, "consumer process t") {
		t.Fatalf("spans of the trace: %s", joined)
	}
	m := d.(*tracedDriver).m
	if sent, consumed := testutil.ToFloat64(m.sent.WithLabelValues("t", "x")), testutil.ToFloat64(m.consumed.WithLabelValues("g", "t", "x", "ok")); sent != 1 || consumed != 1 {
		t.Fatalf("sent %v, consumed %v: want 1 and 1", sent, consumed)
	}
}
