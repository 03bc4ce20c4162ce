package obs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// TracingEnabled reports whether the OTEL_* variables name an exporter endpoint (and the
// SDK is not disabled): without one, tracing stays off and costs nothing.
func TracingEnabled(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// StartTracing installs the process's tracer provider from the standard OTEL_*
// variables: the OTLP exporter (OTEL_EXPORTER_OTLP_PROTOCOL grpc, else http/protobuf)
// with its endpoint, OTEL_SERVICE_NAME (defaulting to service), OTEL_RESOURCE_ATTRIBUTES,
// and the sampler (OTEL_TRACES_SAMPLER, e.g. parentbased_traceidratio with
// OTEL_TRACES_SAMPLER_ARG). With no endpoint it installs only the W3C propagators, so
// incoming trace context still passes through. The returned shutdown flushes spans.
func StartTracing(ctx context.Context, service string) (shutdown func(context.Context) error, err error) {
	if !TracingEnabled(os.Getenv) {
		Install(nil)
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := newExporter(ctx)
	if err != nil {
		return nil, fmt.Errorf("obs: trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(service)),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
		resource.WithTelemetrySDK(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("obs: trace resource: %w", err)
	}
	// The SDK reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG itself.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	Install(tp)
	return tp.Shutdown, nil
}

func newExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "grpc":
		return otlptracegrpc.New(ctx)
	case "", "http/protobuf":
		return otlptracehttp.New(ctx)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: want grpc or http/protobuf", protocol)
	}
}

// Install makes tp the process's tracer provider (nil keeps the current one) and the
// W3C trace context and baggage its propagators. The Kitex and Hertz suites read both
// from the otel globals; tests install an in-memory provider the same way.
func Install(tp trace.TracerProvider) {
	if tp != nil {
		otel.SetTracerProvider(tp)
	}
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}
