package chaos

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// echo is an upstream that answers each line with the same line.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					_, _ = c.Write([]byte(line))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// ask sends a line and waits up to wait for the answer.
func ask(c net.Conn, r *bufio.Reader, wait time.Duration) (string, error) {
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	return r.ReadString('\n')
}

func TestStallProxy(t *testing.T) {
	p, err := newStallProxy(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := ask(c, r, 2*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("before the stall: %q, %v", got, err)
	}

	p.Stall()
	if got, err := ask(c, r, 300*time.Millisecond); err == nil {
		t.Fatalf("a stalled proxy answered %q", got)
	}
	fresh, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		t.Fatalf("a stalled proxy must still accept: %v", err)
	}
	defer fresh.Close()
	freshR := bufio.NewReader(fresh)
	if got, err := ask(fresh, freshR, 300*time.Millisecond); err == nil {
		t.Fatalf("a connection made during the stall was answered %q", got)
	}

	p.Resume()
	if got, err := ask(fresh, freshR, 2*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("after the stall, the line held back: %q, %v", got, err)
	}
}
