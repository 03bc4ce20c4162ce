package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/cloudwego/gopkg/protocol/thrift"
	"github.com/cloudwego/hertz/pkg/app"
	hserver "github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/kitex/client/genericclient"
	"github.com/cloudwego/kitex/pkg/generic"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/server/genericserver"

	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

// The baselines are the two frameworks doing nothing, measured by the same client in
// the same run: what this machine gives Hertz and Kitex before Cartwheel adds anything.

// hertzHello serves GET /api/v1/hello with a small JSON body on an ephemeral port.
func hertzHello() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	h := hserver.New(hserver.WithListener(ln), hserver.WithDisablePrintRoute(true), hserver.WithExitWaitTime(time.Second))
	h.GET("/api/v1/hello", func(_ context.Context, c *app.RequestContext) {
		c.JSON(200, map[string]string{"message": "hello"})
	})
	go func() { _ = h.Run() }()
	deadline := time.Now().Add(5 * time.Second)
	for !h.IsRunning() {
		if time.Now().After(deadline) {
			return "", nil, errors.New("bench: the Hertz baseline did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	}, nil
}

// echoService answers a raw Thrift call with its own arguments.
type echoService struct{}

func (*echoService) GenericCall(_ context.Context, method string, request any) (any, error) {
	req, ok := request.([]byte)
	if !ok {
		return nil, fmt.Errorf("echo: want raw bytes, got %T", request)
	}
	name, _, seq, n, err := thrift.Binary.ReadMessageBegin(req)
	if err != nil {
		return nil, err
	}
	out := thrift.Binary.AppendMessageBegin(make([]byte, 0, len(req)), name, thrift.REPLY, seq)
	return append(out, req[n:]...), nil
}

// kitexEcho is a Kitex server with Cartwheel's server suite (TTHeader, the static
// registry) answering raw Thrift with echoService, and a client with the services'
// client suite: the cheapest correct RPC this stack can make.
type kitexEcho struct {
	cli     genericclient.Client
	stop    func()
	payload []byte
}

const echoName = "bench-echo"

func startKitexEcho() (*kitexEcho, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	reg := registry.NewStatic(nil)
	svr, err := suite.NewServer(echoName, ln, reg, nil, func(opts ...server.Option) server.Server {
		return genericserver.NewServer(&echoService{}, generic.BinaryThriftGeneric(), opts...)
	})
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svr.Run(ctx) }()
	stop := func() { cancel(); <-done; _ = svr.Close() }
	cli, err := genericclient.NewClient(echoName, generic.BinaryThriftGeneric(), suite.ClientOptions(reg, 3*time.Second, nil)...)
	if err != nil {
		stop()
		return nil, err
	}
	// A struct { 1: string msg } of 64 bytes after the message header.
	args := []byte{0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40}
	args = append(args, bytes.Repeat([]byte("x"), 64)...)
	args = append(args, 0x00)
	e := &kitexEcho{cli: cli, stop: func() { _ = cli.Close(); stop() }, payload: args}
	// The server registers (and so resolves) once it is up; wait for the first answer.
	deadline := time.Now().Add(10 * time.Second)
	for {
		o := e.call(context.Background())
		if o.ok() {
			return e, nil
		}
		if time.Now().After(deadline) {
			e.stop()
			return nil, fmt.Errorf("bench: the Kitex echo did not answer: %v", o.Err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *kitexEcho) call(ctx context.Context) Outcome {
	req := thrift.Binary.AppendMessageBegin(make([]byte, 0, 128), "echo", thrift.CALL, 1)
	req = append(req, e.payload...)
	start := time.Now()
	resp, err := e.cli.GenericCall(ctx, "echo", req)
	o := Outcome{Latency: time.Since(start), Status: 200}
	if err != nil {
		o.Err = err
		return o
	}
	raw, ok := resp.([]byte)
	if !ok || !bytes.HasSuffix(raw, e.payload) {
		o.Err = fmt.Errorf("echo: the answer is not the question (%T)", resp)
	}
	return o
}
