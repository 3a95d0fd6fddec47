package loopback

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// conns caps the connections open on all of a server's listeners at
// MaxConns. A connection kept alive while idle holds a place too; when
// every place is taken, the one idle longest is closed to make room, so
// that a burst of keep-alive clients cannot lock others out for the whole
// idle timeout. A client that reuses a connection closed that way gets an
// error on it and connects again.
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

// acquire takes a place for a new connection, closing the longest idle
// connection first when none is free, then waiting for a place.
func (cs *conns) acquire(done <-chan struct{}) bool {
	select {
	case cs.slots <- struct{}{}:
		return true
	default:
	}
	cs.mu.Lock()
	var oldest net.Conn
	var since time.Time
	for c, t := range cs.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	delete(cs.idle, oldest)
	cs.mu.Unlock()
	if oldest != nil {
		oldest.Close()
	}
	select {
	case cs.slots <- struct{}{}:
		return true
	case <-done:
		return false
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
