package obs

import (
	"context"
	"maps"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// MQ wraps a driver so every message carries the sender's trace context in its
// properties (W3C traceparent/tracestate, on either driver), every send, consumption
// and check-back is a span of that trace, and messages are counted. Dead letters,
// check-backs and consumer lag are read from the driver when it keeps them.
func (t *Telemetry) MQ(d mq.Driver) mq.Driver {
	m := &mqMetrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartwheel_mq_sent_total", Help: "Messages committed by this process's producers (plain, delayed and transactional).",
		}, []string{"topic", "tag"}),
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartwheel_mq_consumed_total", Help: "Handler runs by consumer group, topic, tag and outcome (ok or error: an error is redelivered).",
		}, []string{"group", "topic", "tag", "outcome"}),
		redelivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartwheel_mq_redelivered_total", Help: "Deliveries that are retries of a message a handler failed before.",
		}, []string{"group", "topic", "tag"}),
	}
	reg := t.Registry()
	reg.MustRegister(m.sent, m.consumed, m.redelivered, driverCollector{d})
	return &tracedDriver{Driver: d, m: m, tracer: otel.Tracer("github.com/cartwheel-shop/cartwheel/pkg/obs/mq")}
}

type mqMetrics struct {
	sent, consumed, redelivered *prometheus.CounterVec
}

type tracedDriver struct {
	mq.Driver
	m      *mqMetrics
	tracer trace.Tracer
}

func (d *tracedDriver) NewProducer(group string, checker mq.Checker) (mq.Producer, error) {
	if checker != nil {
		inner := checker
		checker = func(ctx context.Context, msg *mq.Delivered) mq.TxState {
			ctx, span := d.tracer.Start(extract(ctx, &msg.Message), "check-back "+msg.Topic,
				trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(messageAttrs(&msg.Message, msg.ID)...))
			defer span.End()
			state := inner(ctx, msg)
			span.SetAttributes(attribute.String("messaging.transaction.state", state.String()))
			return state
		}
	}
	p, err := d.Driver.NewProducer(group, checker)
	if err != nil {
		return nil, err
	}
	return &tracedProducer{Producer: p, d: d}, nil
}

func (d *tracedDriver) NewConsumer(group string) (mq.Consumer, error) {
	c, err := d.Driver.NewConsumer(group)
	if err != nil {
		return nil, err
	}
	return &tracedConsumer{Consumer: c, group: group, d: d}, nil
}

// Ping passes the driver's own reachability check through.
func (d *tracedDriver) Ping(ctx context.Context) error {
	if p, ok := d.Driver.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	return nil
}

type tracedProducer struct {
	mq.Producer
	d *tracedDriver
}

func (p *tracedProducer) Send(ctx context.Context, msg *mq.Message) (string, error) {
	ctx, span, msg := p.start(ctx, msg, "send ")
	defer span.End()
	id, err := p.Producer.Send(ctx, msg)
	return id, p.finish(span, msg, id, err)
}

func (p *tracedProducer) SendInTransaction(ctx context.Context, msg *mq.Message, local mq.LocalTx) (string, error) {
	ctx, span, msg := p.start(ctx, msg, "send transactional ")
	defer span.End()
	id, err := p.Producer.SendInTransaction(ctx, msg, local)
	return id, p.finish(span, msg, id, err)
}

// start opens the producer span and returns a copy of msg carrying its context; the
// caller's message is left as it was.
func (p *tracedProducer) start(ctx context.Context, msg *mq.Message, verb string) (context.Context, trace.Span, *mq.Message) {
	ctx, span := p.d.tracer.Start(ctx, verb+msg.Topic, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(messageAttrs(msg, "")...))
	if msg.Delay > 0 {
		span.SetAttributes(attribute.String("messaging.delay", msg.Delay.String()))
	}
	out := *msg
	out.Properties = maps.Clone(msg.Properties)
	if out.Properties == nil {
		out.Properties = map[string]string{}
	}
	otel.GetTextMapPropagator().Inject(ctx, propagation.MapCarrier(out.Properties))
	return ctx, span, &out
}

func (p *tracedProducer) finish(span trace.Span, msg *mq.Message, id string, err error) error {
	if id != "" {
		span.SetAttributes(attribute.String("messaging.message.id", id))
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return err
	}
	p.d.m.sent.WithLabelValues(msg.Topic, msg.Tags).Inc()
	return nil
}

type tracedConsumer struct {
	mq.Consumer
	group string
	d     *tracedDriver
}

func (c *tracedConsumer) Subscribe(topic, tagExpr string, h mq.Handler) error {
	return c.Consumer.Subscribe(topic, tagExpr, func(ctx context.Context, msg *mq.Delivered) (err error) {
		ctx, span := c.d.tracer.Start(extract(ctx, &msg.Message), "process "+msg.Topic,
			trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(append(messageAttrs(&msg.Message, msg.ID),
				attribute.String("messaging.consumer.group.name", c.group),
				attribute.Int("messaging.rocketmq.message.reconsume_times", msg.ReconsumeTimes))...))
		defer span.End()
		if msg.ReconsumeTimes > 0 {
			c.d.m.redelivered.WithLabelValues(c.group, msg.Topic, msg.Tags).Inc()
		}
		outcome := "ok"
		defer func() {
			if r := recover(); r != nil {
				c.d.m.consumed.WithLabelValues(c.group, msg.Topic, msg.Tags, "error").Inc()
				span.SetStatus(codes.Error, "panic")
				panic(r) // the driver turns a panic into a failed delivery
			}
			c.d.m.consumed.WithLabelValues(c.group, msg.Topic, msg.Tags, outcome).Inc()
		}()
		if err = h(ctx, msg); err != nil {
			outcome = "error"
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		return err
	})
}

// extract continues the trace the message's properties carry, if any.
func extract(ctx context.Context, msg *mq.Message) context.Context {
	if msg.Properties == nil {
		return ctx
	}
	return otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier(msg.Properties))
}

func messageAttrs(msg *mq.Message, id string) []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		attribute.String("messaging.system", "rocketmq"),
		attribute.String("messaging.destination.name", msg.Topic),
		attribute.String("messaging.rocketmq.message.tag", msg.Tags),
	}
	if id != "" {
		attrs = append(attrs, attribute.String("messaging.message.id", id))
	}
	if len(msg.Keys) > 0 {
		attrs = append(attrs, attribute.String("messaging.rocketmq.message.keys", strconv.Quote(msg.Keys[0])))
	}
	return attrs
}

// driverCollector exports what the driver itself counts.
type driverCollector struct{ d mq.Driver }

var (
	deadLetteredDesc = prometheus.NewDesc("cartwheel_mq_dead_lettered_total", "Messages given up after their last allowed delivery.", nil, nil)
	checkBacksDesc   = prometheus.NewDesc("cartwheel_mq_check_backs_total", "Transaction check-backs answered by this process.", nil, nil)
	lagDesc          = prometheus.NewDesc("cartwheel_mq_consumer_lag", "Messages due to a consumer group and not yet acknowledged by it.", []string{"group"}, nil)
)

func (c driverCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- deadLetteredDesc
	ch <- checkBacksDesc
	ch <- lagDesc
}

func (c driverCollector) Collect(ch chan<- prometheus.Metric) {
	if s, ok := c.d.(interface{ Stats() mq.Stats }); ok {
		st := s.Stats()
		ch <- prometheus.MustNewConstMetric(deadLetteredDesc, prometheus.CounterValue, float64(st.DeadLettered))
		ch <- prometheus.MustNewConstMetric(checkBacksDesc, prometheus.CounterValue, float64(st.CheckBacks))
	}
	if l, ok := c.d.(interface {
		Lag(context.Context) (map[string]int64, error)
	}); ok {
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		lags, err := l.Lag(ctx)
		if err != nil {
			return
		}
		for group, n := range lags {
			ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(n), group)
		}
	}
}
