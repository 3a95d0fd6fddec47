package webauthn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"

	"github.com/tessera-auth/tessera/assets/keypage"
)

// MaxBodySize bounds what a page may post: an attestation object with a
// certificate chain fits many times over.
const MaxBodySize = 64 << 10

// csp lets the page load its own script, style sheet and answers, and
// nothing else; no inline script, no framing, no form posts.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// ServeHTTP serves the security-key page and its answers under the
// configured prefix: GET of the page, page.js and page.css; POST of start,
// finish and fail.
func (cs *Ceremonies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")

	if r.Host != cs.host {
		// WebAuthn's RP ID "localhost" works from this origin only.
		fail(w, http.StatusMisdirectedRequest, fmt.Sprintf("open the security-key page at %s%s, with the link Tessera gave", cs.origin, cs.prefix))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, cs.prefix)
	if !ok {
		fail(w, http.StatusNotFound, "not found")
		return
	}
	switch rest {
	case "":
		static(w, r, "text/html; charset=utf-8", keypage.HTML)
	case "page.js":
		static(w, r, "text/javascript; charset=utf-8", keypage.JS)
	case "page.css":
		static(w, r, "text/css; charset=utf-8", keypage.CSS)
	case "start", "finish", "fail":
		cs.post(w, r, rest)
	default:
		fail(w, http.StatusNotFound, "not found")
	}
}

func static(w http.ResponseWriter, r *http.Request, ctype string, body []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		fail(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// fail answers with an error the page shows as it is.
func fail(w http.ResponseWriter, code int, msg string) {
	reply(w, code, map[string]string{"error": msg})
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// request is what the page posts.
type request struct {
	Token      string          `json:"token"`
	Credential json.RawMessage `json:"credential,omitempty"` // finish
	Name       string          `json:"name,omitempty"`       // fail
	Message    string          `json:"message,omitempty"`    // fail
}

// stepReply is the answer to start and to a finish that is not the last.
type stepReply struct {
	Kind   string `json:"kind,omitempty"` // start: "enrol" or "unlock"
	Token  string `json:"token"`
	Create any    `json:"create,omitempty"` // options for navigator.credentials.create
	Get    any    `json:"get,omitempty"`    // options for navigator.credentials.get
}

// doneReply is the answer to the last finish.
type doneReply struct {
	Done    bool   `json:"done"`
	Message string `json:"message"`
}

// httpError is a step's failure: its status code, and the error that ends
// the ceremony (nil when the ceremony goes on).
type httpError struct {
	code int
	err  error
}

func (cs *Ceremonies) post(w http.ResponseWriter, r *http.Request, what string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		fail(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is larger than %d bytes", MaxBodySize))
		return
	}
	// The body may hold a PRF output (base64): zero it when done.
	defer clear(body)
	var req request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		fail(w, http.StatusBadRequest, "the request is not the JSON object this page sends")
		return
	}
	defer clear(req.Credential)

	cs.mu.Lock()
	defer cs.mu.Unlock()
	tok, ok := cs.tokens[tokenKey(req.Token)]
	if !ok {
		fail(w, http.StatusNotFound, "this security-key link is unknown (or too old): start again from Tessera")
		return
	}
	c := tok.c
	// Any misuse of a valid token ends its ceremony: whoever sent it
	// holds a secret of this ceremony.
	if herr := cs.checkRequest(r); herr != nil {
		cs.endLocked(c, nil, herr.err)
		fail(w, herr.code, endedMessage(c))
		return
	}
	if tok.used || c.ended {
		cs.endLocked(c, nil, ErrSessionUsed)
		fail(w, http.StatusGone, endedMessage(c))
		return
	}
	tok.used = true
	if cs.clock.Now().Sub(c.created) >= Lifetime {
		cs.endLocked(c, nil, ErrExpired)
		fail(w, http.StatusGone, endedMessage(c))
		return
	}

	var (
		out  any
		herr *httpError
	)
	switch {
	case what == "fail":
		cs.endLocked(c, nil, pageError(req.Name, req.Message))
		reply(w, http.StatusOK, map[string]bool{"reported": true})
		return
	case what == "start" && tok.step == stepStart:
		out, herr = cs.start(c)
	case what == "finish" && tok.step == stepCreate:
		out, herr = cs.finishCreate(c, req.Credential)
	case what == "finish" && tok.step == stepGet:
		out, herr = cs.finishGet(c, req.Credential)
	default:
		herr = &httpError{http.StatusBadRequest, fmt.Errorf("the page sent %q out of turn", what)}
	}
	if herr != nil {
		if herr.err == nil {
			herr.err = errors.New("internal error")
		}
		cs.endLocked(c, nil, herr.err)
		fail(w, herr.code, endedMessage(c))
		return
	}
	reply(w, http.StatusOK, out)
}

// endedMessage tells the page how c ended. cs.mu must be held.
func endedMessage(c *Ceremony) string {
	if c.err != nil {
		return c.err.Error()
	}
	return "this security-key ceremony is already over: return to Tessera"
}

// checkRequest refuses a POST that did not come from Tessera's own page:
// another Origin, a cross-site fetch, or a body that is not JSON (which
// a plain HTML form on another site could send without asking).
func (cs *Ceremonies) checkRequest(r *http.Request) *httpError {
	if o := r.Header.Get("Origin"); o != cs.origin {
		return &httpError{http.StatusForbidden, fmt.Errorf("%w (request origin %q)", ErrOrigin, clip(o, 100))}
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return &httpError{http.StatusForbidden, fmt.Errorf("%w (a %s request)", ErrOrigin, clip(s, 30))}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &httpError{http.StatusUnsupportedMediaType, errors.New("the request is not JSON, as Tessera's page sends")}
	}
	return nil
}

// pageError turns what the page reported into an error, keeping only
// printable text of bounded length: the page is not trusted to be short
// or clean.
func pageError(name, msg string) *PageError {
	n := strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, name)
	if n == "" {
		n = "Error"
	}
	return &PageError{Name: clip(n, 40), Message: clip(msg, 300)}
}

// clip keeps the printable runes of s, at most n of them.
func clip(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if n == 0 {
			b.WriteString("…")
			break
		}
		if !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n--
	}
	return b.String()
}
