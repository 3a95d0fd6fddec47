package approve

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"slices"
	"time"
)

// Client is a paired client as Tessera keeps it: never its secret, only
// the secret's SHA-256 (the secret is 256 random bits, so a fast hash is
// enough).
type Client struct {
	ID        string    `json:"client_id"`
	Name      string    `json:"client_name"`
	Alg       string    `json:"id_token_signed_response_alg"`
	ShowsCode bool      `json:"shows_match_code"`
	Secret    []byte    `json:"secret_sha256"`
	Created   time.Time `json:"created"`
	// KeyID is the signing key pinned at pairing: the client's tokens are
	// signed with it while it is kept, also after a rotation.
	KeyID string `json:"kid,omitempty"`
	// Program is the calling program seen at pairing, when known.
	Program string `json:"program,omitempty"`
	// LastUsed is the time of the client's last logged request (filled by
	// ListClients, not stored).
	LastUsed time.Time `json:"-"`
}

type clientsDoc struct {
	Version int      `json:"version"`
	Clients []Client `json:"clients"`
}

// readClients reads the clients file; a missing file is no clients.
func readClients(st Store) ([]Client, error) {
	b, err := st.ReadSealed(clientsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the paired clients: %w", err)
	}
	var doc clientsDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("reading the paired clients: %w", err)
	}
	return doc.Clients, nil
}

// ListClients returns the clients paired with the vault in st, with the
// time each last sent a request.
func ListClients(st Store) ([]Client, error) {
	cs, err := readClients(st)
	if err != nil {
		return nil, err
	}
	recs, err := ReadLog(st)
	if err != nil {
		return nil, err
	}
	last := map[string]time.Time{}
	for _, r := range recs {
		if r.Event == EventRequest && r.Time.After(last[r.ClientID]) {
			last[r.ClientID] = r.Time
		}
	}
	for i := range cs {
		cs[i].LastUsed = last[cs[i].ID]
	}
	return cs, nil
}

// ErrNoClient is returned by Revoke for an unknown client ID.
var ErrNoClient = errors.New("no paired client has this ID")

// Revoke removes the client id from the vault in st, so its credentials
// stop working at once (a running Tessera reads the file at every
// authentication while the vault is unlocked).
func Revoke(st Store, id string) (Client, error) {
	cs, err := readClients(st)
	if err != nil {
		return Client{}, err
	}
	i := slices.IndexFunc(cs, func(c Client) bool { return c.ID == id })
	if i < 0 {
		return Client{}, ErrNoClient
	}
	c := cs[i]
	cs = slices.Delete(cs, i, i+1)
	if err := writeJSON(st, clientsFile, clientsDoc{Version: 1, Clients: cs}); err != nil {
		return Client{}, err
	}
	appendLogTo(st, []Record{{Time: time.Now().UTC(), Event: EventRevoked, ClientID: c.ID, ClientName: c.Name}})
	return c, nil
}

// Revoke removes a paired client (see the function [Revoke]) and forgets
// it at once.
func (s *Service) Revoke(id string) (Client, error) {
	st := s.store()
	if st == nil {
		return Client{}, ErrLockedVault
	}
	c, err := Revoke(st, id)
	s.mu.Lock()
	delete(s.clients, id)
	s.clientsRead = time.Time{}
	s.mu.Unlock()
	return c, err
}

// Clients returns the paired clients; see [ListClients].
func (s *Service) Clients() ([]Client, error) {
	st := s.store()
	if st == nil {
		return nil, ErrLockedVault
	}
	s.flushLog(st) // last use comes from the log
	return ListClients(st)
}

// Unavailable says why clients cannot be authenticated now: the vault
// has not been unlocked since Tessera started, so the paired clients are
// unknown. It returns "" when they can.
func (s *Service) Unavailable() string {
	s.mu.Lock()
	known := s.clients != nil
	s.mu.Unlock()
	if known || s.store() != nil {
		return ""
	}
	return "Tessera is locked and has not read its paired clients yet: unlock its window, then ask again"
}

// dummySecret is compared against when the client ID is unknown, so that
// the time taken does not tell known IDs from unknown ones.
var dummySecret = sha256.Sum256([]byte("tessera: no such client"))

// ClientsReload is how often Authenticate reads the clients file again
// while the vault is unlocked: a revocation made by another process (tessera
// approve revoke) counts within this time; Service.Revoke counts at once.
const ClientsReload = time.Second

// Authenticate returns the client whose ID and secret these are. It reads
// the clients file at most every ClientsReload, so a flood of wrong
// credentials costs a hash each; while the vault is locked it uses the
// clients seen at the last read.
func (s *Service) Authenticate(id, secret string) (Client, bool) {
	now := s.clock.Now()
	s.mu.Lock()
	stale := s.clients == nil || now.Sub(s.clientsRead) >= ClientsReload
	s.mu.Unlock()
	if st := s.store(); st != nil && stale {
		if cs, err := readClients(st); err == nil {
			m := make(map[string]*Client, len(cs))
			for i := range cs {
				m[cs[i].ID] = &cs[i]
			}
			s.mu.Lock()
			s.clients, s.clientsRead = m, now
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	c, ok := s.clients[id]
	s.mu.Unlock()
	want := dummySecret[:]
	if ok {
		want = c.Secret
	}
	got := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], want) != 1 || !ok {
		return Client{}, false
	}
	return *c, true
}

// PairRequest is the body of POST /pair.
type PairRequest struct {
	// Name is how Tessera names the client to the person.
	Name string `json:"client_name"`
	// Alg is the ID token algorithm, ES256 (default) or EdDSA.
	Alg string `json:"id_token_signed_response_alg"`
	// NoMatchCode says the client cannot show a match code to its user;
	// its requests then get a plain Approve button.
	NoMatchCode bool `json:"tessera_no_match_code"`
}

// PairStart is the answer to POST /pair: the code the program prints for
// the person to type into Tessera, and the pairing ID it polls with.
type PairStart struct {
	PairingID string `json:"pairing_id"`
	UserCode  string `json:"user_code"`
	ExpiresIn int    `json:"expires_in"`
	Interval  int    `json:"interval"`
}

// Registration is the final pairing answer, with RFC 7591 field names, plus
// the issuer and the public key the client pins.
type Registration struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   int64    `json:"client_secret_expires_at"`
	ClientName              string   `json:"client_name"`
	IDTokenAlg              string   `json:"id_token_signed_response_alg"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	DeliveryMode            string   `json:"backchannel_token_delivery_mode"`
	Issuer                  string   `json:"issuer"`
	JWKS                    struct {
		Keys []JWK `json:"keys"`
	} `json:"jwks"`
}

type pairing struct {
	id       string
	promptID string
	code     string
	req      PairRequest
	caller   Caller
	expires  time.Time
	tries    int
	state    state
	result   *Registration
	timer    interface{ Stop() bool }
}

// StartPairing begins a pairing: it asks the person and returns the code
// the program shows. Only one pairing runs at a time.
func (s *Service) StartPairing(req PairRequest, caller Caller) (PairStart, error) {
	if err := checkText(req.Name, MaxClientName); err != nil || req.Name == "" {
		if err == nil {
			err = errors.New("is empty")
		}
		return PairStart{}, protoErr(400, "invalid_client_metadata", "client_name %v", err)
	}
	if req.Alg == "" {
		req.Alg = ES256
	}
	if !slices.Contains(Algorithms, req.Alg) {
		return PairStart{}, protoErr(400, "invalid_client_metadata", "id_token_signed_response_alg must be ES256 or EdDSA")
	}
	if s.cfg.Asker == nil {
		return PairStart{}, protoErr(503, "temporarily_unavailable", "nobody is there to approve pairings")
	}
	now := s.clock.Now()
	s.mu.Lock()
	if p := s.pairing; p != nil && (p.state == statePending || p.state == stateApproved) && now.Before(p.expires) {
		// Pending, or its registration not collected yet.
		s.mu.Unlock()
		return PairStart{}, protoErr(429, "slow_down", "another pairing is waiting for the person; try again later")
	}
	p := &pairing{
		id:       randomID(32),
		promptID: randomID(12),
		code:     randomDigits(6),
		req:      req,
		caller:   caller,
		expires:  now.Add(PairingExpiry),
	}
	s.pairing = p
	pr := Prompt{
		ID: p.promptID, Kind: PromptPairing, ClientName: req.Name, Caller: caller,
		NeedsCode: true, CodeDigits: 6, Expires: p.expires,
	}
	s.prompts[p.promptID] = &prompt{Prompt: pr}
	p.timer = s.clock.AfterFunc(PairingExpiry, func() { s.expirePairing(p) })
	s.mu.Unlock()
	s.log(Record{Event: EventPairing, ClientName: req.Name, Caller: caller.String()})
	s.cfg.Asker.Ask(pr)
	return PairStart{PairingID: p.id, UserCode: p.code, ExpiresIn: int(PairingExpiry / time.Second), Interval: int(s.cfg.Interval / time.Second)}, nil
}

func (s *Service) expirePairing(p *pairing) {
	s.mu.Lock()
	if p.state != statePending {
		s.mu.Unlock()
		return
	}
	p.state = stateExpired
	delete(s.prompts, p.promptID)
	s.mu.Unlock()
	s.log(Record{Event: EventExpired, ClientName: p.req.Name, Caller: p.caller.String(), Detail: "pairing"})
	s.cfg.Asker.Withdraw(p.promptID)
}

// PollPairing returns the registration once the person has typed the code,
// else the CIBA-style error: authorization_pending, access_denied,
// expired_token, or invalid_grant for an unknown or finished pairing.
func (s *Service) PollPairing(id string) (Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pairing
	if p == nil || subtle.ConstantTimeCompare([]byte(p.id), []byte(id)) != 1 {
		return Registration{}, ErrInvalidGrant
	}
	switch p.state {
	case statePending:
		if !s.clock.Now().Before(p.expires) {
			return Registration{}, ErrExpired
		}
		return Registration{}, ErrPending
	case stateApproved:
		s.pairing = nil
		return *p.result, nil
	case stateDenied:
		s.pairing = nil
		return Registration{}, ErrDenied
	default:
		s.pairing = nil
		return Registration{}, ErrExpired
	}
}

// approvePairing is Approve for a pairing prompt; s.mu is held and is
// released before returning.
func (s *Service) approvePairing(p *pairing, code string) error {
	if p.state != statePending || !s.clock.Now().Before(p.expires) {
		s.mu.Unlock()
		return ErrNoPrompt
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(p.code)) != 1 {
		p.tries++
		if p.tries < MaxPairingTries {
			s.mu.Unlock()
			return ErrWrongCode
		}
		p.state = stateDenied
		p.timer.Stop()
		delete(s.prompts, p.promptID)
		s.mu.Unlock()
		s.log(Record{Event: EventDenied, ClientName: p.req.Name, Caller: p.caller.String(), Detail: "pairing: too many wrong codes"})
		return ErrTooManyTries
	}
	s.mu.Unlock()
	st := s.store()
	if st == nil {
		return ErrLockedVault
	}
	reg, err := s.register(st, p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if p.state != statePending { // expired while saving
		s.mu.Unlock()
		return ErrNoPrompt
	}
	p.state, p.result = stateApproved, &reg
	p.timer.Stop()
	delete(s.prompts, p.promptID)
	s.mu.Unlock()
	s.log(Record{Event: EventPaired, ClientID: reg.ClientID, ClientName: reg.ClientName, Caller: p.caller.String()})
	return nil
}

// register makes and saves the client of a confirmed pairing.
func (s *Service) register(st Store, p *pairing) (Registration, error) {
	keys, err := s.loadKeys(st)
	if err != nil {
		return Registration{}, err
	}
	k, ok := keys.currentKey(p.req.Alg)
	if !ok {
		return Registration{}, fmt.Errorf("no current %s key", p.req.Alg)
	}
	var pin JWK
	for _, pk := range s.cachedKeys() {
		if pk.kid == k.ID {
			pin = toJWK(pk)
		}
	}
	secret := randomID(32)
	sum := sha256.Sum256([]byte(secret))
	now := s.clock.Now().UTC()
	c := Client{
		ID: "tc_" + randomID(12), Name: p.req.Name, Alg: p.req.Alg, ShowsCode: !p.req.NoMatchCode,
		Secret: sum[:], Created: now, Program: p.caller.String(), KeyID: k.ID,
	}
	s.keysMu.Lock() // serialises read-modify-write of the clients file too
	cs, err := readClients(st)
	if err == nil {
		cs = append(cs, c)
		err = writeJSON(st, clientsFile, clientsDoc{Version: 1, Clients: cs})
	}
	s.keysMu.Unlock()
	if err != nil {
		return Registration{}, err
	}
	s.mu.Lock()
	if s.clients == nil {
		s.clients = map[string]*Client{}
	}
	s.clients[c.ID] = &c
	iss := s.issuer
	s.mu.Unlock()
	reg := Registration{
		ClientID: c.ID, ClientSecret: secret, ClientIDIssuedAt: now.Unix(), ClientName: c.Name,
		IDTokenAlg: c.Alg, TokenEndpointAuthMethod: "client_secret_basic",
		GrantTypes: []string{GrantType}, DeliveryMode: "poll", Issuer: iss,
	}
	reg.JWKS.Keys = []JWK{pin}
	return reg, nil
}

// randomDigits returns n uniformly random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic(err)
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}
