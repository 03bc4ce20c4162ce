package kitexnet

import (
	"net"
	"os"
	"testing"

	"github.com/cloudwego/netpoll"
)

// Kitex closes its listener twice; the second close must not touch a descriptor the
// process reused in between.
func TestSecondCloseSparesAReusedDescriptor(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listener(raw)
	if err != nil {
		t.Fatal(err)
	}
	fd := ln.(netpoll.Listener).Fd()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}

	// The kernel hands out the lowest free number, so new pipes soon take fd again.
	var reused *os.File
	for range 64 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		if int(r.Fd()) == fd || int(w.Fd()) == fd {
			reused = r
			if int(w.Fd()) == fd {
				reused = w
			}
			break
		}
	}
	if reused == nil {
		t.Fatalf("descriptor %d was not reused by 64 new pipes", fd)
	}

	if err := ln.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := reused.Stat(); err != nil {
		t.Fatalf("the second Close broke descriptor %d, now another file's: %v", fd, err)
	}
}
