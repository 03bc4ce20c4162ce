// Package kitexnet prepares listeners for Kitex servers so that stopping one server
// cannot break the connections of another in the same process.
package kitexnet

import (
	"fmt"
	"net"
	"sync"

	"github.com/cloudwego/netpoll"
)

// Listener converts ln for Kitex and makes its Close run once. Kitex converts a
// net.Listener with netpoll.ConvertListener and, on shutdown, closes the result twice
// about 100ms apart (to stop accepting, then with the event loop); each close re-closes
// the raw descriptor, which by then may number another connection or file of the
// process, and breaks it. An already converted listener is used as is, so its Close is
// the one Kitex calls. (netpoll's own Close still closes its descriptor twice back to
// back; that narrow race needs the fix upstream.) This belongs in pkg/suite.
func Listener(ln net.Listener) (net.Listener, error) {
	converted, err := netpoll.ConvertListener(ln)
	if err != nil {
		return nil, fmt.Errorf("kitexnet: %w", err)
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
