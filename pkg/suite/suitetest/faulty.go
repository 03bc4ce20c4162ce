package suitetest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Stalled listens on loopback, accepts connections and reads them without ever
// answering, like a process stopped with SIGSTOP whose kernel still accepts; it
// returns its address and stops when the test ends.
func Stalled(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
}

// HangsUp listens on loopback and closes every connection once the first bytes of a
// request have arrived: a call that was sent and whose connection broke before any
// answer.
func HangsUp(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		_, _ = c.Read(make([]byte, 1))
		_ = c.Close()
	})
}

// serveRaw hands every accepted connection to serve, which owns it until the test ends.
func serveRaw(t testing.TB, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { serve(c) })
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}
