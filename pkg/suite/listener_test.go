package suite

import (
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/cloudwego/netpoll"
)

// Kitex closes its listener twice; the second close must not touch a descriptor the
// process reused in between. netpoll's listener alone does, which is why closeOnce exists.
func TestSecondCloseSparesAReusedDescriptor(t *testing.T) {
	t.Run("close_once", func(t *testing.T) {
		ln, err := closeOnce(listen(t))
		if err != nil {
			t.Fatal(err)
		}
		fd := ln.(netpoll.Listener).Fd()
		if err := ln.Close(); err != nil {
			t.Fatal(err)
		}
		reused := reuse(t, fd)
		if err := ln.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		var st syscall.Stat_t
		if err := syscall.Fstat(reused, &st); err != nil {
			t.Fatalf("the second Close broke descriptor %d, now another file's: %v", fd, err)
		}
		syscall.Close(reused)
	})
	t.Run("netpoll_alone_breaks_it", func(t *testing.T) {
		ln, err := netpoll.ConvertListener(listen(t))
		if err != nil {
			t.Fatal(err)
		}
		fd := ln.Fd()
		_ = ln.Close()
		reused := reuse(t, fd)
		_ = ln.Close()
		var st syscall.Stat_t
		if err := syscall.Fstat(reused, &st); err == nil {
			t.Fatalf("netpoll's second Close spared descriptor %d: closeOnce may no longer be needed", fd)
		}
		// reused is closed already; closing it again could hit yet another file.
	})
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// reuse opens pipes until one of their descriptors is fd (the kernel hands out the
// lowest free number, so that is soon) and returns it. The other descriptors close
// when the test ends; fd is the caller's.
func reuse(t *testing.T, fd int) int {
	t.Helper()
	var others []int
	t.Cleanup(func() {
		for _, p := range others {
			syscall.Close(p)
		}
	})
	for range 64 {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
			t.Fatal(os.NewSyscallError("pipe2", err))
		}
		found := false
		for _, got := range p {
			if got == fd {
				found = true
			} else {
				others = append(others, got)
			}
		}
		if found {
			return fd
		}
	}
	t.Fatalf("descriptor %d was not reused by 64 new pipes", fd)
	return -1
}
