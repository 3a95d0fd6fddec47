package loopback

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// conns caps the connections open on all of a server's listeners at
// MaxConns. A connection kept alive while idle holds a place too; when
// every place is taken, the one idle longest (a second at least) is
// closed to make room, so that a burst of keep-alive clients cannot lock
// others out for the whole idle timeout.
type conns struct {
	slots chan struct{}

	mu   sync.Mutex
	idle map[net.Conn]time.Time // since when each idle connection idles
}

func newConns() *conns {
	return &conns{slots: make(chan struct{}, MaxConns), idle: map[net.Conn]time.Time{}}
}

// track is the http.Server's ConnState hook.
func (cs *conns) track(c net.Conn, st http.ConnState) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if st == http.StateIdle {
		cs.idle[c] = time.Now()
	} else {
		delete(cs.idle, c)
	}
}

// Reclaiming idle connections: only one idle at least minIdle is closed
// (a client that has just had its answer may be about to send on it
// again), looked for every reclaimEvery while every place is taken.
const (
	minIdle      = time.Second
	reclaimEvery = 250 * time.Millisecond
)

// acquire takes a place for a new connection; while none is free, it
// closes the connection idle longest, once it has idled minIdle, to make
// one. It returns false when done is closed first.
func (cs *conns) acquire(done <-chan struct{}) bool {
	var tick *time.Ticker
	for {
		select {
		case cs.slots <- struct{}{}:
			if tick != nil {
				tick.Stop()
			}
			return true
		default:
		}
		cs.closeIdle(time.Now().Add(-minIdle))
		if tick == nil {
			tick = time.NewTicker(reclaimEvery)
			defer tick.Stop()
		}
		select {
		case cs.slots <- struct{}{}:
			return true
		case <-done:
			return false
		case <-tick.C:
		}
	}
}

// closeIdle closes the connection idle longest if it has idled since
// before then.
func (cs *conns) closeIdle(before time.Time) {
	cs.mu.Lock()
	var oldest net.Conn
	var since time.Time
	for c, t := range cs.idle {
		if t.Before(before) && (oldest == nil || t.Before(since)) {
			oldest, since = c, t
		}
	}
	delete(cs.idle, oldest)
	cs.mu.Unlock()
	if oldest != nil {
		oldest.Close()
	}
}

// limited is a listener whose connections take places in conns.
type limited struct {
	net.Listener
	cs   *conns
	done chan struct{}
	once sync.Once
}

func (l *limited) Accept() (net.Conn, error) {
	if !l.cs.acquire(l.done) {
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.cs.slots
		return nil, err
	}
	return &limitedConn{Conn: c, cs: l.cs}, nil
}

func (l *limited) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn gives its place back when closed, once.
type limitedConn struct {
	net.Conn
	cs   *conns
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.cs.slots })
	return err
}
