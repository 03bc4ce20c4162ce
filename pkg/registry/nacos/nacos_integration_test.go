//go:build integration

package nacos_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/endpoint"
	"github.com/cloudwego/kitex/pkg/klog"
	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/server"
	"github.com/nacos-group/nacos-sdk-go/v2/clients"
	"github.com/nacos-group/nacos-sdk-go/v2/common/constant"
	"github.com/nacos-group/nacos-sdk-go/v2/vo"

	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/registrytest"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/suite/suitetest"
)

// integrationConfig points at the Nacos of scripts/infra.sh. The integration build runs
// only with the engines up, so a missing address is a failure, never a skip.
func integrationConfig(t *testing.T) nacos.Config {
	t.Helper()
	addr := os.Getenv("CARTWHEEL_NACOS_ADDR")
	if addr == "" {
		t.Fatal(`CARTWHEEL_NACOS_ADDR is not set: run scripts/infra.sh up, then eval "$(scripts/infra.sh env)"`)
	}
	return nacos.Config{
		Addr:     addr,
		LogDir:   filepath.Join(sdkDir, "log"),
		CacheDir: filepath.Join(sdkDir, "cache"),
	}
}

func newNacos(t *testing.T) *nacos.Registry {
	t.Helper()
	reg, err := nacos.New(integrationConfig(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return reg
}

func TestNacosContract(t *testing.T) {
	registrytest.RunContract(t, func(t *testing.T) registry.Registry { return newNacos(t) })
}

// A process that dies without deregistering (kill -9, a crash) must not stay listed: Nacos
// 2.x drops a connection's ephemeral instances when the connection closes. The driver's
// Deregister relies on this when the deregistration request itself fails.
func TestNacosDropsTheInstancesOfAClosedConnection(t *testing.T) {
	cfg := integrationConfig(t)
	host, portText, _ := net.SplitHostPort(cfg.Addr)
	var port uint64
	fmt.Sscan(portText, &port)
	raw, err := clients.NewNamingClient(vo.NacosClientParam{
		ClientConfig:  &constant.ClientConfig{TimeoutMs: 3000, LogDir: cfg.LogDir, CacheDir: cfg.CacheDir, NotLoadCacheAtStart: true},
		ServerConfigs: []constant.ServerConfig{{IpAddr: host, Port: port}},
	})
	if err != nil {
		t.Fatal(err)
	}
	name := registrytest.UniqueServiceName(t)
	if _, err := raw.RegisterInstance(vo.RegisterInstanceParam{
		Ip: "127.0.0.1", Port: 41031, ServiceName: name, Weight: 10, Enable: true, Healthy: true,
		Ephemeral: true, GroupName: nacos.DefaultGroup, ClusterName: nacos.DefaultCluster,
	}); err != nil {
		raw.CloseClient()
		t.Fatal(err)
	}
	resolver := newNacos(t).Resolver()
	registrytest.Settles(t, "the instance is listed", func() (bool, string) {
		n, err := count(resolver, name)
		return n == 1, fmt.Sprintf("%d instances, err %v", n, err)
	})
	raw.CloseClient()
	took := registrytest.Settles(t, "the instance is dropped with its connection", func() (bool, string) {
		n, err := count(resolver, name)
		return err == nil && n == 0, fmt.Sprintf("%d instances, err %v", n, err)
	})
	t.Logf("instance dropped %s after its connection closed", took.Round(time.Millisecond))
}

// Registering a server bound to all interfaces would advertise whatever interface the
// library finds first; the driver refuses instead.
func TestNacosRefusesAnUnspecifiedHost(t *testing.T) {
	reg := newNacos(t)
	for _, addr := range []net.Addr{
		&net.TCPAddr{Port: 41041},
		&net.TCPAddr{IP: net.IPv4zero, Port: 41041},
		&net.TCPAddr{IP: net.IPv6unspecified, Port: 41041},
	} {
		err := reg.Register(&kregistry.Info{ServiceName: "unspecified", Addr: addr})
		if err == nil || !strings.Contains(err.Error(), "explicit IP") {
			t.Errorf("%s: want a refusal, got %v", addr, err)
		}
	}
}

// TestNacosFailover runs two real user servers registered under one name and callers
// calling them in a steady stream, stops one gracefully, and measures how long callers
// take to stop dialing it and what fails meanwhile.
//
// Kitex re-picks after a failed dial, up to 6 picks, and its default round-robin picker
// moves to the next instance, so refused dials rarely fail a call. What does fail is a
// call caught on a pooled connection the stopping server closes (a failed flush, or no
// answer until the timeout), which no retry can safely repeat for a non-idempotent
// method. With Config.Drain the server keeps serving until callers have moved away, so
// nothing fails at all.
func TestNacosFailover(t *testing.T) {
	// Kitex logs a warning for every re-picked dial; the test reports them in aggregate.
	klog.SetLevel(klog.LevelError)
	t.Run("one_caller", func(t *testing.T) { runFailover(t, 1, 0) })
	t.Run("four_callers", func(t *testing.T) { runFailover(t, 4, 0) })
	// Registry lag (about 1 s) plus Kitex's 5 s refresh, plus a margin.
	t.Run("four_callers_with_drain", func(t *testing.T) { runFailover(t, 4, 3*time.Second) })
}

func runFailover(t *testing.T, callers int, drain time.Duration) {
	name := registrytest.UniqueServiceName(t)
	cfg := integrationConfig(t)
	cfg.Drain = drain
	servers, err := nacos.New(cfg, testLogger(t)) // one process, two servers: each instance gets its own connection
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { servers.Close() })
	a := startUserServer(t, name, "a", servers)
	b := startUserServer(t, name, "b", servers)

	lookup := newNacos(t) // the client side, as another process would be
	registrytest.Settles(t, "both servers are listed", func() (bool, string) {
		n, err := count(lookup.Resolver(), name)
		return n == 2, fmt.Sprintf("%d instances, err %v", n, err)
	})

	rec := &recorder{}
	opts := append(suite.ClientOptions(lookup, time.Second, nil), client.WithInstanceMW(rec.attempts))
	cli, err := userservice.NewClient(name, opts...)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	streamDone := make(chan struct{})
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				start := time.Now()
				u, err := cli.GetUser(context.Background(), &userapi.GetUserRequest{UserId: "u-1"})
				served := ""
				if err == nil {
					served = u.Name
				}
				rec.call(start, served, err)
				time.Sleep(time.Millisecond) // a steady stream, not a load test on 2 shared cores
			}
		}()
	}
	go func() { wg.Wait(); close(streamDone) }()
	defer func() { cancel(); <-streamDone }()

	registrytest.Settles(t, "the stream reaches both servers", func() (bool, string) {
		served := rec.servedBy()
		return served["a"] > 0 && served["b"] > 0, fmt.Sprintf("served %v", served)
	})

	// Watch the client-side registry from just before the stop, so its catch-up is
	// measured from the same instant as the callers'.
	stopAt := time.Now()
	registryCaughtUp := make(chan time.Duration, 1)
	go func() {
		for time.Since(stopAt) < registrytest.Settle {
			if n, err := count(lookup.Resolver(), name); err == nil && n == 1 {
				registryCaughtUp <- time.Since(stopAt)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		close(registryCaughtUp)
	}()
	a.stop()
	stopTook := time.Since(stopAt)
	registryLag, ok := <-registryCaughtUp
	if !ok {
		t.Fatalf("the client-side registry still lists the stopped server after %s", registrytest.Settle)
	}

	// The callers have caught up once they have not tried the stopped server for a while;
	// Kitex refreshes a resolved list every 5 s, so that is the bulk of the wait.
	const quiet = 3 * time.Second
	for {
		if time.Since(rec.lastAttempt(a.addr)) >= quiet && time.Since(stopAt) >= quiet {
			break
		}
		if time.Since(stopAt) > 30*time.Second {
			t.Fatalf("callers still dial the stopped server %s after stopping it", time.Since(stopAt).Round(time.Millisecond))
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-streamDone

	caughtUpAt := rec.lastAttempt(a.addr)
	if caughtUpAt.Before(stopAt) {
		caughtUpAt = stopAt // the callers never dialed it after the stop began
	}
	callersCaughtUp := caughtUpAt.Sub(stopAt)
	window, after := rec.split(stopAt, caughtUpAt)
	t.Logf("graceful stop took %s; client registry caught up after %s; callers last dialed the stopped server %s after the stop",
		stopTook.Round(time.Millisecond), registryLag.Round(time.Millisecond), callersCaughtUp.Round(time.Millisecond))
	t.Logf("window: %d calls, %d failed %v; after catch-up: %d calls, %d failed %v; failed attempts at the stopped server, re-picked by Kitex: %d",
		len(window), failures(window), errorKinds(window), len(after), failures(after), errorKinds(after), rec.deadAttempts(a.addr, stopAt))

	// Kitex refreshes every 5 s; push and scheduling on a shared machine get 3 s more.
	if bound := registryLag + 5*time.Second + 3*time.Second; callersCaughtUp > bound {
		t.Errorf("callers took %s to stop dialing the stopped server, want at most %s", callersCaughtUp, bound)
	}
	if n := failures(after); n > 0 {
		t.Errorf("%d calls failed after the callers caught up: %v", n, errorKinds(after))
	}
	if len(after) == 0 {
		t.Error("no call after the catch-up: the stream stalled")
	}
	if last := rec.lastAttempt(b.addr); !last.After(caughtUpAt) {
		t.Errorf("the remaining server %s was not called after the catch-up", b.addr)
	}
	if gap := longestGapBetweenSuccesses(window); gap > time.Second {
		t.Errorf("calls stopped succeeding for %s during the window", gap)
	}
	for _, c := range append(slices.Clone(window), after...) {
		if c.err == nil && c.servedBy == "a" && c.start.After(stopAt.Add(stopTook)) {
			t.Errorf("a call started %s after the stop completed was served by the stopped server", c.start.Sub(stopAt))
			break
		}
	}
	if drain > 0 && failures(window) > 0 {
		t.Errorf("with a %s drain, %d calls still failed in the window: %v", drain, failures(window), errorKinds(window))
	}
}

type userServer struct {
	stop func()
	addr string
}

// fakeUsers answers GetUser with the name of the server that served it.
type fakeUsers struct {
	userapi.UserService // the other methods are never called
	name                string
}

func (f *fakeUsers) GetUser(_ context.Context, req *userapi.GetUserRequest) (*userapi.User, error) {
	return &userapi.User{Id: req.UserId, Name: f.name}, nil
}

// startUserServer runs a user server the way a service's main does (suite.NewServer),
// until the test ends or stop is called.
func startUserServer(t *testing.T, service, name string, reg registry.Registry) userServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	svr, err := suite.NewServer(service, ln, reg, nil, func(opts ...server.Option) server.Server {
		return userservice.NewServer(&fakeUsers{name: name}, opts...)
	})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	return userServer{stop: suitetest.Run(t, svr.Run), addr: svr.Addr().String()}
}

// recorder keeps every call and every dial attempt of the stream.
type recorder struct {
	mu    sync.Mutex
	calls []call
	tries []attempt
}

type call struct {
	start    time.Time
	servedBy string
	err      error
}

type attempt struct {
	at   time.Time
	addr string
	err  error
}

func (r *recorder) call(start time.Time, servedBy string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{start: start, servedBy: servedBy, err: err})
}

// attempts records each instance Kitex picked for a call, including re-picks.
func (r *recorder) attempts(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req, resp any) error {
		err := next(ctx, req, resp)
		addr := ""
		if ri := rpcinfo.GetRPCInfo(ctx); ri != nil && ri.To().Address() != nil {
			addr = ri.To().Address().String()
		}
		r.mu.Lock()
		r.tries = append(r.tries, attempt{at: time.Now(), addr: addr, err: err})
		r.mu.Unlock()
		return err
	}
}

func (r *recorder) servedBy() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, c := range r.calls {
		if c.err == nil {
			out[c.servedBy]++
		}
	}
	return out
}

func (r *recorder) lastAttempt(addr string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.tries) - 1; i >= 0; i-- {
		if r.tries[i].addr == addr {
			return r.tries[i].at
		}
	}
	return time.Time{}
}

func (r *recorder) deadAttempts(addr string, since time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.tries {
		if a.addr == addr && a.err != nil && a.at.After(since) {
			n++
		}
	}
	return n
}

// split returns the calls started in [from, to) and those started at or after to.
func (r *recorder) split(from, to time.Time) (window, after []call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.calls {
		switch {
		case c.start.Before(from):
		case c.start.Before(to):
			window = append(window, c)
		default:
			after = append(after, c)
		}
	}
	return window, after
}

func failures(calls []call) int {
	n := 0
	for _, c := range calls {
		if c.err != nil {
			n++
		}
	}
	return n
}

// errorKinds counts failures by message, without the addresses and timings that make
// each message unique.
func errorKinds(calls []call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		if c.err == nil {
			continue
		}
		msg := c.err.Error()
		if i := strings.Index(msg, ", remote="); i >= 0 {
			msg = msg[:i]
		}
		if len(msg) > 160 {
			msg = msg[:160]
		}
		out[msg]++
	}
	return out
}

func longestGapBetweenSuccesses(calls []call) time.Duration {
	var ok []time.Time
	for _, c := range calls {
		if c.err == nil {
			ok = append(ok, c.start)
		}
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i].Before(ok[j]) })
	var gap time.Duration
	for i := 1; i < len(ok); i++ {
		gap = max(gap, ok[i].Sub(ok[i-1]))
	}
	return gap
}

func count(r discovery.Resolver, name string) (int, error) {
	res, err := r.Resolve(context.Background(), name)
	return len(res.Instances), err
}

// testLogger sends the driver's log lines to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// A fleet stops its servers at once, so their deregistrations, and with them the SDK's
// connection shutdowns, run concurrently, also with registries still connecting. The SDK
// keeps its connections in one unguarded process-wide map; unserialised, this aborts the
// whole process with "concurrent map writes".
func TestNacosConnectsAndClosesConcurrently(t *testing.T) {
	const instances, rounds = 8, 4
	for round := range rounds {
		cfg := integrationConfig(t)
		cfg.Drain = 0
		reg, err := nacos.New(cfg, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		infos := make([]*kregistry.Info, instances)
		for i := range infos {
			infos[i] = &kregistry.Info{
				ServiceName: fmt.Sprintf("%s-%d", registrytest.UniqueServiceName(t), i),
				Addr:        &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 42000 + round*instances + i},
				Weight:      10,
			}
			if err := reg.Register(infos[i]); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, info := range infos {
			wg.Go(func() {
				if err := reg.Deregister(info); err != nil {
					t.Errorf("deregister %s: %v", info.ServiceName, err)
				}
			})
			// A registry connecting while others close.
			wg.Go(func() {
				other, err := nacos.New(cfg, testLogger(t))
				if err != nil {
					t.Errorf("connect: %v", err)
					return
				}
				other.Close()
			})
		}
		wg.Wait()
		if err := reg.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
