// Package loopback is Tessera's HTTP server on 127.0.0.1 and ::1, and all
// of its request hygiene. Other packages add routes ([Server.Handle]); the
// server refuses, before any route sees it, every request that a web page
// or another machine could have sent:
//
//   - Host must be exactly 127.0.0.1:PORT, [::1]:PORT or localhost:PORT
//     (DNS rebinding);
//   - no Origin, Referer, Sec-Fetch-Site or Sec-Fetch-Dest header, whatever
//     its value (browsers send them; programs do not);
//   - the request target is a plain path: no query, no escapes, no
//     absolute URL; OPTIONS is refused and no CORS header is ever sent;
//   - bodies up to 16 KiB (a route may allow more), headers up to 8 KiB,
//     a read-header timeout of 5 s, an idle timeout of 60 s, and a cap on
//     connections (the one idle longest is closed to make room);
//   - [Pairing] routes need Content-Type: application/json and
//     Sec-Tessera: 1 (neither can a page send without a CORS preflight,
//     which OPTIONS refusal fails); [Client] routes need a form body and
//     client authentication (client_secret_basic or client_secret_post,
//     never both, never in the query string).
//
// [Page] routes are the one exception to the header rule: they serve
// Tessera's own web pages (the security-key page), whose requests carry
// Origin, Referer and Sec-Fetch-* as browsers send them. Their Host must
// be exactly localhost:PORT (the origin WebAuthn needs), and the route
// checks the Origin itself.
//
// Form and JSON bodies are decoded strictly: [ParseForm] and [DecodeJSON]
// refuse duplicates, wrong types, unknown JSON fields and trailing data.
package loopback

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultPort is Tessera's fixed loopback port, so a paired client's
// issuer stays valid across restarts. No well-known service uses it (IANA
// lists it unassigned; it is not in /etc/services).
const DefaultPort = 7787

// Limits of every request.
const (
	MaxBody           = 16 << 10
	MaxHeader         = 8 << 10
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 10 * time.Second
	IdleTimeout       = 60 * time.Second
	MaxConns          = 64
)

// Access is what a route demands beyond the common checks.
type Access int

const (
	// Public routes (GET: discovery, jwks) need nothing more.
	Public Access = iota
	// Pairing routes are unauthenticated JSON POSTs carrying
	// Content-Type: application/json and Sec-Tessera: 1.
	Pairing
	// Client routes are form POSTs with client authentication.
	Client
	// Page routes serve Tessera's own web pages: their requests may carry
	// Origin, Referer and Sec-Fetch-* headers, which the route checks
	// itself, and their Host must be localhost:PORT, nothing else.
	Page
)

// Route is one endpoint.
type Route struct {
	Method string
	Path   string
	Access Access
	// MaxBody bounds the request body; 0 means [MaxBody].
	MaxBody int64
	Handle  func(w http.ResponseWriter, c *Call)
}

// Call is a request that passed the checks, with what they established.
type Call struct {
	Request *http.Request
	// Body is the request body, at most the route's MaxBody bytes.
	Body []byte
	// Form holds the parameters of a Client route's form body, each
	// present once (the credentials taken out).
	Form map[string]string
	// Client is what the authenticator returned, on Client routes.
	Client any
	// Local is the server's own address of the connection.
	Local    net.Addr
	peerOnce sync.Once
	peer     Peer
}

// Peer returns the local program on the other end of the call, when the
// operating system tells.
func (c *Call) Peer() Peer {
	c.peerOnce.Do(func() {
		local, _ := c.Local.(*net.TCPAddr)
		remote, err := net.ResolveTCPAddr("tcp", c.Request.RemoteAddr)
		if local != nil && err == nil {
			c.peer = lookupPeer(local, remote)
		}
	})
	return c.peer
}

// Peer is the process at the other end of a loopback connection.
type Peer struct {
	Known bool   // the OS told; the fields below are valid
	UID   int    // its user
	PID   int    // 0 when the process was not found (another user's)
	Exe   string // its executable, when readable
}

// Authenticator checks client credentials in constant time and returns the
// client they belong to.
type Authenticator func(id, secret string) (client any, ok bool)

// Server is the loopback HTTP server.
type Server struct {
	// Refused, when set before Listen, is called for every request the
	// checks refuse (before any route), with the status answered: a hook
	// for counting and logging; it must not block.
	Refused func(r *http.Request, status int)
	// Unavailable, when set, says why client authentication cannot be
	// done now ("" when it can); Client routes then answer 503
	// temporarily_unavailable with that reason.
	Unavailable func() string

	auth   Authenticator
	routes map[string][]Route

	mu    sync.Mutex
	port  int
	lns   []net.Listener
	srv   *http.Server
	conns *conns
	hosts map[string]bool
}

// New returns a server that authenticates Client routes with auth.
func New(auth Authenticator) *Server {
	s := &Server{auth: auth, routes: map[string][]Route{}, conns: newConns()}
	s.srv = &http.Server{
		ConnState:         s.conns.track,
		Handler:           s,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		// Go allows 4 KiB beyond this; the headers of the programs that
		// talk to Tessera are far smaller.
		MaxHeaderBytes: MaxHeader - 4096,
		ErrorLog:       nil,
	}
	return s
}

// Handle adds a route. Call it before Serve.
func (s *Server) Handle(rt Route) {
	if !strings.HasPrefix(rt.Path, "/") || strings.ContainsAny(rt.Path, "?%#") {
		panic("loopback: bad route path " + rt.Path)
	}
	s.routes[rt.Path] = append(s.routes[rt.Path], rt)
}

// ErrPortTaken is returned by Listen when another program has the port.
var ErrPortTaken = errors.New("the port is taken by another program")

// Listen binds 127.0.0.1:port and [::1]:port (the latter when the machine
// has IPv6); port 0 picks a free one. It does not serve yet: see Serve.
func (s *Server) Listen(port int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lns) > 0 {
		return errors.New("already listening")
	}
	ln4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		if isAddrInUse(err) {
			return fmt.Errorf("listening on 127.0.0.1:%d: %w", port, ErrPortTaken)
		}
		return fmt.Errorf("listening on 127.0.0.1:%d: %w", port, err)
	}
	port = ln4.Addr().(*net.TCPAddr).Port
	lns := []net.Listener{ln4}
	ln6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(port)))
	switch {
	case err == nil:
		lns = append(lns, ln6)
	case isAddrInUse(err):
		ln4.Close()
		return fmt.Errorf("listening on [::1]:%d: %w", port, ErrPortTaken)
	}
	// No IPv6 loopback: 127.0.0.1 alone.
	s.port = port
	p := strconv.Itoa(port)
	s.hosts = map[string]bool{"127.0.0.1:" + p: true, "[::1]:" + p: true, "localhost:" + p: true}
	for _, ln := range lns {
		s.lns = append(s.lns, &limited{Listener: ln, cs: s.conns, done: make(chan struct{})})
	}
	return nil
}

// Port returns the port Listen bound.
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// Addrs returns the addresses listened on.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Addr
	for _, ln := range s.lns {
		out = append(out, ln.Addr())
	}
	return out
}

// Serve serves the listeners until Close, in goroutines of its own.
func (s *Server) Serve() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ln := range s.lns {
		go s.srv.Serve(ln)
	}
}

// Close stops the server and closes every connection.
func (s *Server) Close() error { return s.srv.Close() }

// Error writes an OAuth-style JSON error: {"error": code,
// "error_description": desc}.
func Error(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="tessera", charset="UTF-8"`)
	}
	JSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// JSON writes v as a JSON answer with status.
func JSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// ServeHTTP applies the checks in order, cheapest and most general first,
// and calls the route only when every one passed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mu.Lock()
	hostOK := s.hosts[r.Host]
	s.mu.Unlock()
	if !hostOK {
		s.refuse(w, r, http.StatusForbidden, "access_denied", "Host must be 127.0.0.1, [::1] or localhost with Tessera's port")
		return
	}
	if rt := s.pageRoute(r); rt != nil {
		// Only the origin WebAuthn accepts: a page at 127.0.0.1 is
		// another origin, whose requests the route would refuse anyway.
		if r.Host != "localhost:"+strconv.Itoa(s.Port()) {
			s.refuse(w, r, http.StatusMisdirectedRequest, "access_denied", "this page is served at localhost with Tessera's port only: open the link Tessera gave")
			return
		}
	} else {
		for _, k := range []string{"Origin", "Referer", "Sec-Fetch-Site", "Sec-Fetch-Dest"} {
			if _, ok := r.Header[k]; ok {
				s.refuse(w, r, http.StatusForbidden, "access_denied", "requests from web pages are refused ("+k+" header)")
				return
			}
		}
	}
	if r.Method == http.MethodOptions {
		s.refuse(w, r, http.StatusForbidden, "access_denied", "OPTIONS is refused; Tessera serves no web pages cross-origin")
		return
	}
	path, query, hasQuery := strings.Cut(r.RequestURI, "?")
	if hasQuery {
		if q, err := url.ParseQuery(query); err == nil && (q.Has("client_secret") || q.Has("client_id")) {
			s.refuse(w, r, http.StatusUnauthorized, "invalid_client", "credentials in the query string are refused; send them in the Authorization header or the form body")
			return
		}
		if strings.Contains(strings.ToLower(query), "secret") {
			s.refuse(w, r, http.StatusUnauthorized, "invalid_client", "credentials in the query string are refused")
			return
		}
		s.refuse(w, r, http.StatusBadRequest, "invalid_request", "the request target must be a plain path, without a query")
		return
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "%#") {
		s.refuse(w, r, http.StatusBadRequest, "invalid_request", "the request target must be a plain path")
		return
	}
	routes, ok := s.routes[path]
	if !ok {
		s.refuse(w, r, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	var rt *Route
	for i := range routes {
		if routes[i].Method == r.Method {
			rt = &routes[i]
		}
	}
	if rt == nil {
		s.refuse(w, r, http.StatusMethodNotAllowed, "invalid_request", "method "+r.Method+" is not allowed here")
		return
	}
	if rt.Access == Pairing {
		if v := r.Header.Values("Sec-Tessera"); len(v) != 1 || v[0] != "1" {
			s.refuse(w, r, http.StatusForbidden, "access_denied", "pairing needs the header Sec-Tessera: 1")
			return
		}
		if !mediaType(r, "application/json") {
			s.refuse(w, r, http.StatusUnsupportedMediaType, "invalid_request", "pairing takes Content-Type: application/json")
			return
		}
	}
	if rt.Access == Client && !mediaType(r, "application/x-www-form-urlencoded") {
		s.refuse(w, r, http.StatusUnsupportedMediaType, "invalid_request", "this endpoint takes Content-Type: application/x-www-form-urlencoded")
		return
	}
	limit := rt.MaxBody
	if limit <= 0 {
		limit = MaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.refuse(w, r, http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("the body is larger than %d bytes", limit))
			return
		}
		s.refuse(w, r, http.StatusBadRequest, "invalid_request", "reading the body failed")
		return
	}
	c := &Call{Request: r, Body: body}
	c.Local, _ = r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if rt.Access == Client {
		if s.Unavailable != nil {
			if why := s.Unavailable(); why != "" {
				s.refuse(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", why)
				return
			}
		}
		form, err := ParseForm(body)
		if err != nil {
			s.refuse(w, r, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		client, status, err := s.authenticate(r, form)
		if err != nil {
			s.refuse(w, r, status, "invalid_client", err.Error())
			return
		}
		c.Form, c.Client = form, client
	}
	rt.Handle(w, c)
}

// pageRoute returns the Page route r is for, if it is for one: its
// target a plain path with a route of that method.
func (s *Server) pageRoute(r *http.Request) *Route {
	path, _, hasQuery := strings.Cut(r.RequestURI, "?")
	if hasQuery {
		return nil
	}
	for i, rt := range s.routes[path] {
		if rt.Method == r.Method && rt.Access == Page {
			return &s.routes[path][i]
		}
	}
	return nil
}

// refuse answers a request the checks refused, and tells Refused.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
	if s.Refused != nil {
		s.Refused(r, status)
	}
	Error(w, status, code, desc)
}

// authenticate takes the credentials out of the Authorization header or
// the form (not both) and checks them.
func (s *Server) authenticate(r *http.Request, form map[string]string) (any, int, error) {
	id, secret, basic, err := basicAuth(r)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	_, postID := form["client_id"]
	_, postSecret := form["client_secret"]
	switch {
	case basic && postSecret:
		return nil, http.StatusBadRequest, errors.New("use one client authentication method, not both Basic and client_secret")
	case basic:
		if postID && form["client_id"] != id {
			return nil, http.StatusBadRequest, errors.New("client_id in the body differs from the Basic credentials")
		}
	case postSecret:
		id, secret = form["client_id"], form["client_secret"]
	default:
		return nil, http.StatusUnauthorized, errors.New("client authentication is missing: use HTTP Basic or client_id and client_secret in the body")
	}
	delete(form, "client_id")
	delete(form, "client_secret")
	client, ok := s.auth(id, secret)
	if !ok {
		return nil, http.StatusUnauthorized, errors.New("client authentication failed (unknown client, wrong secret, or revoked)")
	}
	return client, 0, nil
}

// basicAuth reads client_secret_basic credentials: RFC 6749 form-encodes
// the ID and secret before base64.
func basicAuth(r *http.Request) (id, secret string, ok bool, err error) {
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 {
		return "", "", false, nil
	}
	bad := errors.New("the Authorization header must be one Basic credential")
	if len(vals) > 1 {
		return "", "", false, bad
	}
	scheme, enc, found := strings.Cut(vals[0], " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false, bad
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", "", false, bad
	}
	u, p, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false, bad
	}
	if id, err = url.QueryUnescape(u); err != nil {
		return "", "", false, bad
	}
	if secret, err = url.QueryUnescape(p); err != nil {
		return "", "", false, bad
	}
	return id, secret, true, nil
}

// mediaType reports whether the request's one Content-Type is want (a
// charset=utf-8 parameter allowed).
func mediaType(r *http.Request, want string) bool {
	vals := r.Header.Values("Content-Type")
	if len(vals) != 1 {
		return false
	}
	mt, params, err := mime.ParseMediaType(vals[0])
	if err != nil || mt != want {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}
