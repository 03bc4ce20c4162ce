package suite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/server"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

// Server is a Kitex server run the way every Cartwheel service runs one, around three
// problems of Kitex v0.16.3:
//   - Stop before the server has finished starting races with its transport's set-up
//     (a data race) and can leave it serving for ever; Run stops it only once it is up.
//   - Kitex installs its own SIGINT/SIGTERM handlers unless given an exit signal; signals
//     belong to main, which turns them into the end of Run's context.
//   - Kitex closes its listener twice, about 100ms apart, and each close re-closes the
//     raw descriptor, which by then may number another connection or file of the
//     process; the listener Server hands Kitex closes once.
type Server struct {
	name    string
	ln      net.Listener
	kitex   server.Server
	exit    chan error
	up      <-chan struct{}
	started atomic.Bool
}

// NewServer prepares ln for Kitex and builds the server of service name, registered in
// reg, recording its metrics in tel (nil: none), with build: the generated constructor bound to the handler, e.g.
//
//	func(opts ...server.Option) server.Server { return orderservice.NewServer(h, opts...) }
//
// ln stays the caller's to close when NewServer fails; afterwards, Run's stop or Close
// closes it.
func NewServer(name string, ln net.Listener, reg registry.Registry, tel *obs.Telemetry, build func(opts ...server.Option) server.Server) (*Server, error) {
	once, err := closeOnce(ln)
	if err != nil {
		return nil, fmt.Errorf("suite: %s: %w", name, err)
	}
	registrar := newUpRegistrar(reg.Registrar())
	exit := make(chan error)
	opts := append(serverOptions(name, once, registrar, tel),
		server.WithExitSignal(func() <-chan error { return exit }))
	return &Server{name: name, ln: once, kitex: build(opts...), exit: exit, up: registrar.up}, nil
}

// Run serves until ctx ends, then stops the server (which deregisters it and lets calls
// in flight finish, up to the exit wait) and returns nil. A server that stops on its
// own is an error. Call it once.
func (s *Server) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return fmt.Errorf("suite: %s: Run called twice", s.name)
	}
	served := make(chan error, 1)
	go func() { served <- s.kitex.Run() }()
	select {
	case err := <-served:
		return s.unasked(err)
	case <-ctx.Done():
	}
	// Kitex registers once it considers itself up, about a second after it starts; only
	// from then on is stopping it safe.
	select {
	case <-s.up:
	case err := <-served:
		return s.unasked(err)
	}
	close(s.exit)
	if err := <-served; err != nil {
		return fmt.Errorf("suite: %s: stop: %w", s.name, err)
	}
	return nil
}

func (s *Server) unasked(err error) error {
	if err == nil {
		return fmt.Errorf("suite: %s stopped unasked", s.name)
	}
	return fmt.Errorf("suite: %s stopped unasked: %w", s.name, err)
}

// Addr is where the server listens.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close closes the listener of a server that never ran; after Run it does nothing.
func (s *Server) Close() error {
	if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// upRegistrar passes registration through and closes up when Kitex first registers.
type upRegistrar struct {
	kregistry.Registry
	once sync.Once
	up   chan struct{}
}

func newUpRegistrar(r kregistry.Registry) *upRegistrar {
	return &upRegistrar{Registry: r, up: make(chan struct{})}
}

func (r *upRegistrar) Register(info *kregistry.Info) error {
	err := r.Registry.Register(info)
	r.once.Do(func() { close(r.up) })
	return err
}
