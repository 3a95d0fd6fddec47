package approve

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// ErrTooManyTries: too many wrong codes; the request or pairing was denied.
var ErrTooManyTries = errors.New("too many wrong codes; the request was denied")

// Caller is the local program that sent a request, when the operating
// system tells (Linux: the TCP peer's socket in /proc).
type Caller struct {
	Known bool
	PID   int
	UID   int
	Exe   string
}

func (c Caller) String() string {
	if !c.Known {
		return "unknown program"
	}
	if c.Exe == "" {
		return fmt.Sprintf("a program of user %d", c.UID)
	}
	return fmt.Sprintf("%s (PID %d)", c.Exe, c.PID)
}

// PromptKind tells a pairing prompt from an approval prompt.
type PromptKind int

// Kinds of prompts.
const (
	PromptPairing PromptKind = iota + 1
	PromptApproval
)

// Prompt is what the person is asked: everything as plain text, to be
// shown as such (never as markup or links).
type Prompt struct {
	ID         string
	Kind       PromptKind
	ClientID   string
	ClientName string
	Caller     Caller
	LoginHint  string
	Message    string
	Context    []ContextItem
	// NeedsCode says the person must type the code the program shows;
	// false only for approvals of clients paired as unable to show one.
	NeedsCode  bool
	CodeDigits int
	Expires    time.Time
}

// Asker shows prompts to the person. Ask queues a prompt (one dialog at a
// time); Withdraw closes one that ended without the person (expiry, too
// many tries). Both are called without the service's locks held and must
// not block for long.
type Asker interface {
	Ask(Prompt)
	Withdraw(id string)
}

type prompt struct {
	Prompt
	req *request // nil for a pairing
}

type state int

const (
	statePending state = iota
	stateApproved
	stateDenied
	stateExpired
)

type request struct {
	key      [32]byte
	clientID string
	client   Client
	promptID string
	match    string
	hint     string
	message  string
	context  []ContextItem
	caller   Caller
	created  time.Time
	expires  time.Time
	interval time.Duration
	lastPoll time.Time
	state    state
	tries    int
	matched  bool
	idToken  string
	timer    interface{ Stop() bool }
}

// AuthAnswer is the backchannel authentication response, with Tessera's
// match_code extension.
type AuthAnswer struct {
	AuthReqID string `json:"auth_req_id"`
	ExpiresIn int    `json:"expires_in"`
	Interval  int    `json:"interval"`
	MatchCode string `json:"match_code"`
}

// Authorize handles a backchannel authentication request from an
// authenticated client: params are its form parameters, each once.
func (s *Service) Authorize(c Client, params map[string]string, caller Caller) (AuthAnswer, error) {
	if !strings.Contains(" "+params["scope"]+" ", " openid ") {
		return AuthAnswer{}, protoErr(400, "invalid_scope", "scope must contain openid")
	}
	hints := 0
	for _, h := range []string{"login_hint", "id_token_hint", "login_hint_token"} {
		if _, ok := params[h]; ok {
			hints++
		}
	}
	if hints != 1 {
		return AuthAnswer{}, protoErr(400, "invalid_request", "give exactly one of login_hint, id_token_hint and login_hint_token (found %d)", hints)
	}
	hint, ok := params["login_hint"]
	_, hasHintToken := params["login_hint_token"]
	switch {
	case hasHintToken:
		return AuthAnswer{}, protoErr(400, "invalid_request", "Tessera takes login_hint or id_token_hint, not login_hint_token (its format is each provider's own)")
	case !ok:
		sub, err := s.subjectOfIDTokenHint(params["id_token_hint"], c)
		if err != nil {
			return AuthAnswer{}, protoErr(400, "invalid_request", "id_token_hint %v", err)
		}
		hint = sub
	}
	if err := checkText(hint, MaxLoginHint); err != nil || hint == "" {
		if err == nil {
			err = errors.New("is empty")
		}
		return AuthAnswer{}, protoErr(400, "invalid_request", "login_hint %v", err)
	}
	msg := params["binding_message"]
	if err := checkText(msg, MaxBindingMessage); err != nil {
		return AuthAnswer{}, protoErr(400, "invalid_binding_message", "binding_message %v", err)
	}
	expiry := DefaultExpiry
	if v, ok := params["requested_expiry"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || len(v) > 6 {
			return AuthAnswer{}, protoErr(400, "invalid_request", "requested_expiry must be a positive number of seconds")
		}
		expiry = min(max(time.Duration(n)*time.Second, s.cfg.MinExpiry), MaxExpiry)
	}
	var ctx []ContextItem
	for k := range params {
		if strings.HasPrefix(k, "context_") && !knownContext(k) {
			return AuthAnswer{}, protoErr(400, "invalid_request", "unknown parameter %s; Tessera shows context_application, context_host, context_command and context_remote_addr", k)
		}
	}
	for _, cp := range contextParams {
		v, ok := params[cp.param]
		if !ok {
			continue
		}
		if err := checkText(v, MaxContextValue); err != nil {
			return AuthAnswer{}, protoErr(400, "invalid_request", "%s %v", cp.param, err)
		}
		ctx = append(ctx, ContextItem{Key: cp.key, Label: cp.label, Value: v})
	}
	if s.cfg.Asker == nil {
		return AuthAnswer{}, protoErr(503, "temporarily_unavailable", "nobody is there to approve requests")
	}

	now := s.clock.Now()
	id := randomID(32) // 256 bits
	r := &request{
		key: hashID(id), clientID: c.ID, client: c, promptID: randomID(12),
		match: randomTwoDigits(), hint: hint, message: msg, context: ctx, caller: caller,
		created: now, expires: now.Add(expiry), interval: s.cfg.Interval,
	}
	s.mu.Lock()
	if until, ok := s.muted[c.ID]; ok && now.Before(until) {
		s.mu.Unlock()
		s.log(Record{Event: EventRefused, ClientID: c.ID, ClientName: c.Name, Caller: caller.String(), LoginHint: hint, Message: msg, Context: ctx, Detail: "client muted"})
		return AuthAnswer{}, protoErr(403, "access_denied", "the person muted this client until %s", until.UTC().Format(time.RFC3339))
	}
	s.gcLocked(now)
	perClient, total := 0, 0
	for _, o := range s.requests {
		if o.state == statePending && now.Before(o.expires) {
			total++
			if o.clientID == c.ID {
				perClient++
			}
		}
	}
	if perClient >= MaxPendingClient || total >= MaxPendingTotal {
		s.mu.Unlock()
		return AuthAnswer{}, protoErr(429, "slow_down", "too many requests are waiting for the person (%d of this client, %d in all); try again later", perClient, total)
	}
	s.requests[r.key] = r
	pr := Prompt{
		ID: r.promptID, Kind: PromptApproval, ClientID: c.ID, ClientName: c.Name, Caller: caller,
		LoginHint: hint, Message: msg, Context: ctx, NeedsCode: c.ShowsCode, CodeDigits: 2, Expires: r.expires,
	}
	s.prompts[r.promptID] = &prompt{Prompt: pr, req: r}
	r.timer = s.clock.AfterFunc(expiry, func() { s.expire(r) })
	s.mu.Unlock()
	s.log(Record{Event: EventRequest, ClientID: c.ID, ClientName: c.Name, Caller: caller.String(), LoginHint: hint, Message: msg, Context: ctx, MatchCode: r.match})
	s.cfg.Asker.Ask(pr)
	return AuthAnswer{AuthReqID: id, ExpiresIn: int(expiry / time.Second), Interval: int(r.interval / time.Second), MatchCode: r.match}, nil
}

func knownContext(k string) bool {
	for _, cp := range contextParams {
		if cp.param == k {
			return true
		}
	}
	return false
}

// gcLocked drops requests long expired or decided.
func (s *Service) gcLocked(now time.Time) {
	for k, r := range s.requests {
		if now.Sub(r.expires) > keepExpired {
			delete(s.requests, k)
		}
	}
}

func (s *Service) expire(r *request) {
	s.mu.Lock()
	if r.state != statePending {
		s.mu.Unlock()
		return
	}
	r.state = stateExpired
	delete(s.prompts, r.promptID)
	s.mu.Unlock()
	s.log(r.record(EventExpired, ""))
	s.cfg.Asker.Withdraw(r.promptID)
}

func (r *request) record(ev, detail string) Record {
	return Record{Event: ev, ClientID: r.clientID, ClientName: r.client.Name, Caller: r.caller.String(),
		LoginHint: r.hint, Message: r.message, Context: r.context, MatchCode: r.match, Detail: detail}
}

// TokenAnswer is the token response on approval.
type TokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	IDToken     string `json:"id_token"`
}

// Token answers a CIBA token request of client c for authReqID. A result
// (token or denial) is delivered once; after that, and for unknown or
// another client's IDs, the answer is invalid_grant.
func (s *Service) Token(c Client, authReqID string) (TokenAnswer, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[hashID(authReqID)]
	if !ok || subtle.ConstantTimeCompare([]byte(r.clientID), []byte(c.ID)) != 1 {
		return TokenAnswer{}, ErrInvalidGrant
	}
	switch r.state {
	case statePending:
		if !now.Before(r.expires) {
			return TokenAnswer{}, ErrExpired
		}
		early := !r.lastPoll.IsZero() && now.Sub(r.lastPoll) < r.interval
		r.lastPoll = now
		if early {
			// The client must add 5 s to its interval (RFC 8628 3.5); the
			// interval asked of it stays the one advertised.
			return TokenAnswer{}, ErrSlowDown
		}
		return TokenAnswer{}, ErrPending
	case stateApproved:
		delete(s.requests, r.key)
		return TokenAnswer{AccessToken: randomID(32), TokenType: "Bearer", ExpiresIn: AccessTokenSeconds, IDToken: r.idToken}, nil
	case stateDenied:
		delete(s.requests, r.key)
		return TokenAnswer{}, ErrDenied
	default:
		return TokenAnswer{}, ErrExpired
	}
}

// ACR values of ID tokens: whether the person typed the match code.
const (
	ACRMatched   = "urn:tessera:acr:number-match"
	ACRConfirmed = "urn:tessera:acr:confirm"
)

// IDClaims are the claims of Tessera's ID tokens.
type IDClaims struct {
	Issuer   string            `json:"iss"`
	Subject  string            `json:"sub"`
	Audience string            `json:"aud"`
	IssuedAt int64             `json:"iat"`
	Expiry   int64             `json:"exp"`
	AuthTime int64             `json:"auth_time"`
	ID       string            `json:"jti"`
	ACR      string            `json:"acr"`
	Message  string            `json:"binding_message,omitempty"`
	Context  map[string]string `json:"context,omitempty"`
}

// Approve answers an open prompt with the code the person typed (ignored
// when the prompt needs none). A wrong code returns ErrWrongCode and
// leaves the prompt open, until too many end it with ErrTooManyTries.
func (s *Service) Approve(promptID, code string) error {
	s.mu.Lock()
	if p := s.pairing; p != nil && p.promptID == promptID {
		return s.approvePairing(p, code) // unlocks
	}
	pr, ok := s.prompts[promptID]
	if !ok || pr.req == nil {
		s.mu.Unlock()
		return ErrNoPrompt
	}
	r := pr.req
	if r.state != statePending || !s.clock.Now().Before(r.expires) {
		s.mu.Unlock()
		return ErrNoPrompt
	}
	if pr.NeedsCode && subtle.ConstantTimeCompare([]byte(code), []byte(r.match)) != 1 {
		r.tries++
		if r.tries < MaxMatchTries {
			s.mu.Unlock()
			return ErrWrongCode
		}
		s.denyLocked(r, false) // unlocks
		return ErrTooManyTries
	}
	s.mu.Unlock()

	st := s.store()
	if st == nil {
		return ErrLockedVault
	}
	keys, err := s.loadKeys(st)
	if err != nil {
		return err
	}
	k, ok := keys.keyFor(r.client)
	if !ok {
		return fmt.Errorf("no current %s key", r.client.Alg)
	}
	now := s.clock.Now()
	claims := IDClaims{
		Issuer: s.Issuer(), Subject: r.hint, Audience: r.clientID,
		IssuedAt: now.Unix(), Expiry: now.Add(IDTokenLifetime).Unix(), AuthTime: now.Unix(),
		ID: randomID(16), ACR: ACRConfirmed, Message: r.message,
	}
	if pr.NeedsCode {
		claims.ACR = ACRMatched
	}
	if len(r.context) > 0 {
		claims.Context = map[string]string{}
		for _, c := range r.context {
			claims.Context[c.Key] = c.Value
		}
	}
	tok, err := sign(k, claims)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if r.state != statePending { // expired or cancelled meanwhile: that outcome stands
		s.mu.Unlock()
		return ErrNoPrompt
	}
	r.state, r.idToken, r.matched = stateApproved, tok, pr.NeedsCode
	r.timer.Stop()
	delete(s.prompts, promptID)
	s.mu.Unlock()
	s.log(r.record(EventApproved, claims.ACR))
	return nil
}

// Deny answers an open prompt with no. With mute, the client's requests
// are refused for [MuteFor] ("This wasn't me"); [MuteAfterDenials] denials
// within [MuteDenialWindow] mute it too.
func (s *Service) Deny(promptID string, mute bool) error {
	s.mu.Lock()
	if p := s.pairing; p != nil && p.promptID == promptID {
		if p.state != statePending {
			s.mu.Unlock()
			return ErrNoPrompt
		}
		p.state = stateDenied
		p.timer.Stop()
		delete(s.prompts, promptID)
		s.mu.Unlock()
		s.log(Record{Event: EventDenied, ClientName: p.req.Name, Caller: p.caller.String(), Detail: "pairing"})
		return nil
	}
	pr, ok := s.prompts[promptID]
	if !ok || pr.req == nil || pr.req.state != statePending {
		s.mu.Unlock()
		return ErrNoPrompt
	}
	s.denyLocked(pr.req, mute)
	return nil
}

// denyLocked denies r; s.mu is held and is released.
func (s *Service) denyLocked(r *request, mute bool) {
	now := s.clock.Now()
	r.state = stateDenied
	r.timer.Stop()
	delete(s.prompts, r.promptID)
	recent := s.denials[r.clientID][:0]
	for _, t := range s.denials[r.clientID] {
		if now.Sub(t) < MuteDenialWindow {
			recent = append(recent, t)
		}
	}
	recent = append(recent, now)
	s.denials[r.clientID] = recent
	detail := ""
	var others []*request // the muted client's other open requests, denied too
	if mute || len(recent) >= MuteAfterDenials {
		s.muted[r.clientID] = now.Add(MuteFor)
		detail = "client muted for 20 minutes"
		if mute {
			detail = "this wasn't me; " + detail
		}
		for _, o := range s.requests {
			if o != r && o.clientID == r.clientID && o.state == statePending {
				o.state = stateDenied
				o.timer.Stop()
				delete(s.prompts, o.promptID)
				others = append(others, o)
			}
		}
	}
	s.mu.Unlock()
	s.log(r.record(EventDenied, detail))
	for _, o := range others {
		s.log(o.record(EventDenied, "client muted"))
		s.cfg.Asker.Withdraw(o.promptID)
	}
}

// randomTwoDigits returns the match code: a number from 10 to 99.
func randomTwoDigits() string {
	n, err := rand.Int(rand.Reader, big.NewInt(90))
	if err != nil {
		panic(err)
	}
	return strconv.Itoa(10 + int(n.Int64()))
}
