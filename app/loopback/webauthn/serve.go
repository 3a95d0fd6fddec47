package webauthn

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/tessera-auth/tessera/app/clock"
	"github.com/tessera-auth/tessera/app/loopback"
)

// Mount adds the handler's routes to the loopback server s, as [loopback.Page]
// routes (their requests carry the browser's Origin, which the handler
// checks) allowing bodies of [MaxBodySize]. s must listen on the port of
// the origin cs was made for.
func (cs *Ceremonies) Mount(s *loopback.Server) {
	serve := func(w http.ResponseWriter, c *loopback.Call) {
		// The loopback server has read the body (within the limit); the
		// handler reads it again.
		c.Request.Body = io.NopCloser(bytes.NewReader(c.Body))
		cs.ServeHTTP(w, c.Request)
	}
	for _, name := range []string{"", "page.js", "page.css"} {
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			s.Handle(loopback.Route{Method: m, Path: cs.prefix + name, Access: loopback.Page, Handle: serve})
		}
	}
	for _, name := range []string{"start", "finish", "fail"} {
		s.Handle(loopback.Route{Method: http.MethodPost, Path: cs.prefix + name, Access: loopback.Page, MaxBody: MaxBodySize, Handle: serve})
	}
}

// Serve runs ceremonies on a loopback server of their own, on a free port
// (at http://localhost:PORT), until stop is called: what the command line
// and the window use for the life of one ceremony. Every request goes
// through the loopback server's hygiene (Host, limits, timeouts, a cap on
// connections) before the handler's own checks. clk times the ceremonies
// (nil: the real clock).
func Serve(clk clock.Clock) (cs *Ceremonies, stop func(), err error) {
	s := loopback.New(nil)
	if err := s.Listen(0); err != nil {
		return nil, nil, fmt.Errorf("serving the security-key page: %w", err)
	}
	cs, err = New(Config{Origin: fmt.Sprintf("http://localhost:%d", s.Port()), Clock: clk})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	cs.Mount(s)
	s.Serve()
	return cs, func() { s.Close() }, nil
}
