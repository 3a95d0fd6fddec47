package loopback_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/loopback"
)

// Keep-alive connections left idle fill every place: a new client is
// still served (the longest idle connection makes room), where before it
// waited for the 60 s idle timeout. Connections with a request in progress
// are never the ones closed.
func TestIdleConnectionsMakeRoom(t *testing.T) {
	s := loopback.New(nil)
	if err := s.Listen(0); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	s.Handle(loopback.Route{Method: "GET", Path: "/fast", Access: loopback.Public, Handle: func(w http.ResponseWriter, c *loopback.Call) {
		loopback.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	}})
	s.Handle(loopback.Route{Method: "GET", Path: "/slow", Access: loopback.Public, Handle: func(w http.ResponseWriter, c *loopback.Call) {
		<-release
		loopback.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	}})
	s.Serve()
	t.Cleanup(func() { close(release); s.Close() })
	addr := fmt.Sprintf("127.0.0.1:%d", s.Port())
	get := func(c net.Conn, path string) error {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	// One connection busy with a request that has not been answered, the
	// rest of the places held by idle keep-alive connections.
	busy := dial()
	busyErr := make(chan error, 1)
	go func() { busyErr <- get(busy, "/slow") }()
	for range loopback.MaxConns - 1 {
		if err := get(dial(), "/fast"); err != nil {
			t.Fatalf("filling the places: %v", err)
		}
	}
	// Each newcomer is served within the bound: not stuck behind the idle
	// ones for the idle timeout.
	for i := range 3 {
		if err := get(dial(), "/fast"); err != nil {
			t.Fatalf("client %d beyond the cap: %v (idle connections did not make room)", i, err)
		}
	}
	release <- struct{}{}
	if err := <-busyErr; err != nil {
		t.Errorf("the busy connection was cut: %v", err)
	}
}
