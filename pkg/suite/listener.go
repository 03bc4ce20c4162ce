package suite

import (
	"net"
	"sync"

	"github.com/cloudwego/netpoll"
)

// closeOnce converts ln for Kitex and makes its Close run once. Kitex converts a
// net.Listener with netpoll.ConvertListener and, on shutdown, closes the result twice
// about 100ms apart (to stop accepting, then with the event loop); each close re-closes
// the raw descriptor, which by then may number another connection or file of the
// process, and breaks it. An already converted listener is used as is, so the Close
// wrapped here is the one Kitex calls. (netpoll's own Close still closes its descriptor
// twice back to back; that narrow race needs a fix upstream.)
func closeOnce(ln net.Listener) (net.Listener, error) {
	converted, err := netpoll.ConvertListener(ln)
	if err != nil {
		return nil, err
	}
	return &onceListener{Listener: converted}, nil
}

type onceListener struct {
	netpoll.Listener
	once sync.Once
	err  error
}

// Close closes the listener the first time and answers the same afterwards.
func (l *onceListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
