// Package nacostest gives a test a Nacos server of its own: a private rnacos started on
// ephemeral loopback ports and stopped when the test ends, or the shared one of
// scripts/infra.sh (CARTWHEEL_NACOS_ADDR) when no rnacos binary is at hand.
package nacostest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// grpcOffset: nacos-sdk-go v2 dials the HTTP port + 1000 for gRPC.
const grpcOffset = 1000

// startWithin bounds one start of rnacos, config store included.
const startWithin = 20 * time.Second

// Addr is the HTTP address of a Nacos server for t: a private rnacos when a binary is
// found (Binary), else CARTWHEEL_NACOS_ADDR; with neither, t is skipped, saying why.
// Tests sharing a server keep apart by a group of their own.
func Addr(t *testing.T) string {
	t.Helper()
	if bin := Binary(); bin != "" {
		return Start(t, bin)
	}
	if addr := os.Getenv("CARTWHEEL_NACOS_ADDR"); addr != "" {
		t.Logf("nacos: the shared server at %s (no rnacos binary found)", addr)
		return addr
	}
	t.Skip("no Nacos: no rnacos binary (set CARTWHEEL_RNACOS_BIN, or build it with scripts/infra.sh) and CARTWHEEL_NACOS_ADDR is unset")
	return ""
}

// Binary finds an rnacos binary: CARTWHEEL_RNACOS_BIN, the shared infra cache
// (CARTWHEEL_INFRA_SHARED_CACHE/rnacos-*), then .cache/infra/nacos/bin/rnacos of this
// checkout and of the main checkout when this is a git worktree. Empty when none.
func Binary() string {
	if bin := os.Getenv("CARTWHEEL_RNACOS_BIN"); bin != "" {
		return bin
	}
	var candidates []string
	if shared := os.Getenv("CARTWHEEL_INFRA_SHARED_CACHE"); shared != "" {
		found, _ := filepath.Glob(filepath.Join(shared, "rnacos-*"))
		candidates = append(candidates, found...)
	}
	for _, root := range checkouts() {
		candidates = append(candidates, filepath.Join(root, ".cache", "infra", "nacos", "bin", "rnacos"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return c
		}
	}
	return ""
}

// checkouts are this checkout's root and, for a worktree, the main checkout's.
func checkouts() []string {
	var roots []string
	for _, args := range [][]string{{"rev-parse", "--show-toplevel"}, {"rev-parse", "--path-format=absolute", "--git-common-dir"}} {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			continue
		}
		dir := strings.TrimSpace(string(out))
		if filepath.Base(dir) == ".git" {
			dir = filepath.Dir(dir)
		}
		roots = append(roots, dir)
	}
	return roots
}

// Start runs a copy of the rnacos binary bin on free loopback ports until t ends and
// returns its HTTP address once it answers.
func Start(t *testing.T, bin string) string {
	t.Helper()
	return StartServer(t, bin).Addr()
}

// Server is a private rnacos that a test can kill -9 and start again on the same ports
// and data folder, as an outage of Nacos would go.
type Server struct {
	t        *testing.T
	exe, dir string
	port     int
	stop     func() // kills the running process; nil when none runs
}

// StartServer is Start, keeping hold of the server for Kill and Restart.
func StartServer(t *testing.T, bin string) *Server {
	t.Helper()
	dir := t.TempDir()
	exe := filepath.Join(dir, "rnacos")
	if err := copyFile(bin, exe); err != nil {
		t.Fatalf("nacos: copy %s: %v", bin, err)
	}
	var lastErr error
	// Another try on fresh ports when one fails: a port found free can be taken before
	// rnacos binds it, and now and then its config store never comes up (see
	// configRoundTrip); a healthy start answers within a few seconds.
	for range 4 {
		port, err := freePortPair()
		if err != nil {
			t.Fatal(err)
		}
		stop, err := run(exe, dir, port)
		if err == nil {
			s := &Server{t: t, exe: exe, dir: dir, port: port, stop: stop}
			t.Cleanup(s.Kill)
			t.Logf("nacos: private rnacos at %s (gRPC %d)", s.Addr(), port+grpcOffset)
			return s
		}
		lastErr = err
		t.Logf("nacos: rnacos on port %d abandoned: %v", port, err)
	}
	t.Fatalf("nacos: rnacos did not start: %v", lastErr)
	return nil
}

// Addr is the server's HTTP address (gRPC on the port 1000 above).
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// Kill is kill -9; it returns once the process is gone.
func (s *Server) Kill() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Restart starts the server again on its ports and data folder once it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	stop, err := run(s.exe, s.dir, s.port)
	if err != nil {
		s.t.Fatalf("nacos: restart on port %d: %v", s.port, err)
	}
	s.stop = stop
}

// run starts rnacos on port and returns how to kill it once it answers.
func run(exe, dir string, port int) (stop func(), err error) {
	data := filepath.Join(dir, fmt.Sprintf("data-%d", port))
	logPath := filepath.Join(dir, fmt.Sprintf("rnacos-%d.log", port))
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	grpc := port + grpcOffset
	cmd := exec.Command(exe)
	cmd.Dir = dir
	// A cleared environment: no RNACOS_* of the caller's can move it off loopback.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		fmt.Sprintf("RNACOS_HTTP_PORT=%d", port), fmt.Sprintf("RNACOS_GRPC_PORT=%d", grpc),
		"RNACOS_SDK_HOST=127.0.0.1", "RNACOS_HTTP_CONSOLE_PORT=0", "RNACOS_CONSOLE_HOST=127.0.0.1",
		"RNACOS_RAFT_NODE_ID=1", fmt.Sprintf("RNACOS_RAFT_NODE_ADDR=127.0.0.1:%d", grpc), "RNACOS_RAFT_AUTO_INIT=true",
		"RNACOS_DATA_DIR=" + data, "RNACOS_ENABLE_OPEN_API_AUTH=false", "RNACOS_HTTP_WORKERS=1", "RUST_LOG=warn",
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	stop = func() {
		_ = cmd.Process.Kill() // only the process this test started
		<-exited
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(startWithin)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			logs, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("rnacos exited (%v): %s", err, tail(logs))
		default:
		}
		if ready(addr, grpc) {
			return stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	logs, _ := os.ReadFile(logPath)
	return nil, fmt.Errorf("rnacos at %s did not answer within %s: %s", addr, startWithin, tail(logs))
}

// ready: the open API answers and the gRPC port listens (as scripts/infra.sh checks).
func ready(addr string, grpc int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/nacos/v1/ns/service/list?pageNo=1&pageSize=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", grpc), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return configRoundTrip(ctx, addr)
}

// configRoundTrip writes a probe document and reads it back. rnacos's config store sits
// on a single-node Raft group that it initialises after the ports open; a write accepted
// before that was seen to be lost, with every later read answering "not found".
func configRoundTrip(ctx context.Context, addr string) bool {
	probe := fmt.Sprintf("probe-%d", time.Now().UnixNano())
	form := url.Values{"dataId": {"nacostest-probe"}, "group": {"nacostest"}, "content": {probe}}
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/nacos/v1/cs/configs", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/nacos/v1/cs/configs?dataId=nacostest-probe&group=nacostest", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && string(body) == probe
}

// freePortPair finds a port p with p and p+1000 both free on loopback.
func freePortPair() (int, error) {
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := ln.Addr().(*net.TCPAddr).Port
		if p+grpcOffset > 65535 {
			ln.Close()
			continue
		}
		ln2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+grpcOffset))
		ln.Close()
		if err != nil {
			continue
		}
		ln2.Close()
		return p, nil
	}
	return 0, fmt.Errorf("nacos: no free port pair (p, p+%d) on loopback", grpcOffset)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func tail(b []byte) string {
	const n = 2000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
