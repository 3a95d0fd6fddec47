package approve_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/clock/clocktest"
	"github.com/tessera-auth/tessera/vault"
)

type asker struct {
	mu        sync.Mutex
	prompts   []approve.Prompt
	withdrawn []string
}

func (a *asker) Ask(p approve.Prompt) { a.mu.Lock(); a.prompts = append(a.prompts, p); a.mu.Unlock() }
func (a *asker) Withdraw(id string) {
	a.mu.Lock()
	a.withdrawn = append(a.withdrawn, id)
	a.mu.Unlock()
}
func (a *asker) last() approve.Prompt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.prompts[len(a.prompts)-1]
}

func newService(t *testing.T) (*approve.Service, *vault.Vault, *asker, *clocktest.Fake) {
	t.Helper()
	v, _, err := vault.Create(t.TempDir(), "correct horse", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	a := &asker{}
	clk := clocktest.New(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	svc := approve.New(approve.Config{Store: func() approve.Store { return v }, Asker: a, Clock: clk})
	t.Cleanup(svc.Close)
	svc.SetIssuer("http://127.0.0.1:7787")
	return svc, v, a, clk
}

func pair(t *testing.T, svc *approve.Service, a *asker, name string) approve.Registration {
	t.Helper()
	start, err := svc.StartPairing(approve.PairRequest{Name: name}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Approve(a.last().ID, start.UserCode); err != nil {
		t.Fatal(err)
	}
	reg, err := svc.PollPairing(start.PairingID)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestPairingWrongCodes: five wrong codes end the pairing as denied; one
// pairing at a time.
func TestPairingWrongCodes(t *testing.T) {
	svc, _, a, _ := newService(t)
	start, err := svc.StartPairing(approve.PairRequest{Name: "deploy"}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartPairing(approve.PairRequest{Name: "other"}, approve.Caller{}); err == nil {
		t.Fatal("a second pairing started while one waits")
	}
	id := a.last().ID
	for i := 1; i < approve.MaxPairingTries; i++ {
		if err := svc.Approve(id, "xxxxxx"); !errors.Is(err, approve.ErrWrongCode) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if err := svc.Approve(id, "xxxxxx"); !errors.Is(err, approve.ErrTooManyTries) {
		t.Fatalf("fifth wrong code: %v", err)
	}
	if err := svc.Approve(id, start.UserCode); !errors.Is(err, approve.ErrNoPrompt) {
		t.Fatalf("right code after the end: %v", err)
	}
	if _, err := svc.PollPairing(start.PairingID); !errors.Is(err, approve.ErrDenied) {
		t.Fatalf("poll: %v", err)
	}
}

// TestPairingExpires after two minutes.
func TestPairingExpires(t *testing.T) {
	svc, _, a, clk := newService(t)
	start, _ := svc.StartPairing(approve.PairRequest{Name: "deploy"}, approve.Caller{})
	clk.Advance(approve.PairingExpiry)
	if err := svc.Approve(a.last().ID, start.UserCode); !errors.Is(err, approve.ErrNoPrompt) {
		t.Fatalf("late code: %v", err)
	}
	if _, err := svc.PollPairing(start.PairingID); !errors.Is(err, approve.ErrExpired) {
		t.Fatalf("poll: %v", err)
	}
	if len(a.withdrawn) != 1 {
		t.Fatalf("withdrawn %v", a.withdrawn)
	}
}

// TestStateInVault: clients (hashed secrets only), keys and log live in
// sealed files; a new service on the same vault knows the client, and the
// secret appears in none of the sealed files.
func TestStateInVault(t *testing.T) {
	svc, v, a, _ := newService(t)
	reg := pair(t, svc, a, "deploy")
	if _, ok := svc.Authenticate(reg.ClientID, reg.ClientSecret); !ok {
		t.Fatal("the new client does not authenticate")
	}
	svc2 := approve.New(approve.Config{Store: func() approve.Store { return v }})
	defer svc2.Close()
	if _, ok := svc2.Authenticate(reg.ClientID, reg.ClientSecret); !ok {
		t.Fatal("a second service on the vault does not know the client")
	}
	for _, name := range []string{"approve-clients", "approve-keys", "approve-log"} {
		b, err := v.ReadSealed(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), reg.ClientSecret) {
			t.Fatalf("%s holds the client secret", name)
		}
	}
	cs, err := approve.ListClients(v)
	if err != nil || len(cs) != 1 || cs[0].Name != "deploy" {
		t.Fatalf("clients %+v, %v", cs, err)
	}
	svc.FlushLog()
	recs, _ := approve.ReadLog(v)
	if len(recs) != 2 || recs[0].Event != approve.EventPairing || recs[1].Event != approve.EventPaired {
		t.Fatalf("log %+v", recs)
	}
}

// TestLockedVault: a locked vault keeps known clients working, holds the
// log until unlocked, and refuses the approval until then.
func TestLockedVault(t *testing.T) {
	svc, v, a, _ := newService(t)
	reg := pair(t, svc, a, "deploy")
	c, _ := svc.Authenticate(reg.ClientID, reg.ClientSecret)
	v.Lock()
	c2, ok := svc.Authenticate(reg.ClientID, reg.ClientSecret)
	if !ok || c2.ID != c.ID {
		t.Fatal("a known client is refused while the vault is locked")
	}
	ans, err := svc.Authorize(c, map[string]string{"scope": "openid", "login_hint": "alice"}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Approve(a.last().ID, ans.MatchCode); !errors.Is(err, approve.ErrLockedVault) {
		t.Fatalf("approve while locked: %v", err)
	}
	if err := v.UnlockPassphrase("correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Approve(a.last().ID, ans.MatchCode); err != nil {
		t.Fatalf("approve after unlock: %v", err)
	}
	recs, err := svc.Log()
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, r := range recs {
		events = append(events, r.Event)
	}
	if got := strings.Join(events, ","); got != "pairing,paired,request,approved" {
		t.Fatalf("log events %s", got)
	}
}

// TestRotateKeys: after rotation jwks holds old and new keys; a client
// paired before still gets tokens signed with the key it pinned, a new one
// the new key.
func TestRotateKeys(t *testing.T) {
	svc, _, a, clk := newService(t)
	old := pair(t, svc, a, "before")
	kid := func(reg approve.Registration) string {
		t.Helper()
		c, _ := svc.Authenticate(reg.ClientID, reg.ClientSecret)
		ans, err := svc.Authorize(c, map[string]string{"scope": "openid", "login_hint": "alice"}, approve.Caller{})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Approve(a.last().ID, ans.MatchCode); err != nil {
			t.Fatal(err)
		}
		clk.Advance(approve.DefaultInterval)
		tok, err := svc.Token(c, ans.AuthReqID)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok.IDToken, ".")[0])
		var hdr struct{ Kid string }
		json.Unmarshal(h, &hdr)
		return hdr.Kid
	}
	before := string(svc.JWKS())
	if err := svc.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	after := string(svc.JWKS())
	if strings.Count(after, `"kid"`) != 4 || !strings.Contains(after, before[len(`{"keys":[`):len(before)-2]) {
		t.Fatalf("jwks before %s\nafter %s", before, after)
	}
	if got := kid(old); got != old.JWKS.Keys[0].Kid {
		t.Fatalf("the older client's token is signed with %s, not its pinned %s", got, old.JWKS.Keys[0].Kid)
	}
	young := pair(t, svc, a, "after")
	if young.JWKS.Keys[0].Kid == old.JWKS.Keys[0].Kid || kid(young) != young.JWKS.Keys[0].Kid {
		t.Fatal("a client paired after the rotation does not use the new key")
	}
}

// TestUnavailableUntilUnlocked: before the first unlock the service cannot
// know its clients, and says so instead of calling them unknown.
func TestUnavailableUntilUnlocked(t *testing.T) {
	svc, v, a, _ := newService(t)
	reg := pair(t, svc, a, "deploy")
	v.Lock()
	fresh := approve.New(approve.Config{Store: func() approve.Store { return v }, Asker: a})
	defer fresh.Close()
	if fresh.Unavailable() == "" {
		t.Fatal("a fresh service on a locked vault claims to know its clients")
	}
	if err := v.UnlockPassphrase("correct horse"); err != nil {
		t.Fatal(err)
	}
	if _, ok := fresh.Authenticate(reg.ClientID, reg.ClientSecret); !ok || fresh.Unavailable() != "" {
		t.Fatal("after the unlock the client is not known")
	}
	v.Lock()
	if fresh.Unavailable() != "" {
		t.Fatal("once read, the clients stay known while locked")
	}
}

// TestThreeDenialsMute: three denials within ten minutes mute the client
// and deny its other open requests; later ones are refused unasked.
func TestThreeDenialsMute(t *testing.T) {
	svc, _, a, clk := newService(t)
	reg := pair(t, svc, a, "noisy")
	c, _ := svc.Authenticate(reg.ClientID, reg.ClientSecret)
	params := map[string]string{"scope": "openid", "login_hint": "alice"}
	for i := 0; i < approve.MuteAfterDenials-1; i++ {
		if _, err := svc.Authorize(c, params, approve.Caller{}); err != nil {
			t.Fatal(err)
		}
		svc.Deny(a.last().ID, false)
		clk.Advance(time.Minute)
	}
	other, err := svc.Authorize(c, params, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	otherPrompt := a.last().ID
	if _, err := svc.Authorize(c, params, approve.Caller{}); err != nil {
		t.Fatal(err)
	}
	svc.Deny(a.last().ID, false) // the third
	if _, err := svc.Authorize(c, params, approve.Caller{}); err == nil || !strings.Contains(err.Error(), "muted") {
		t.Fatalf("after three denials: %v", err)
	}
	clk.Advance(approve.DefaultInterval)
	if _, err := svc.Token(c, other.AuthReqID); !errors.Is(err, approve.ErrDenied) {
		t.Fatalf("the client's other open request: %v", err)
	}
	a.mu.Lock()
	withdrawn := strings.Join(a.withdrawn, ",")
	a.mu.Unlock()
	if !strings.Contains(withdrawn, otherPrompt) {
		t.Fatal("the other request's prompt was not withdrawn")
	}
}

// TestIDTokenHint: an ID token Tessera issued to the same client names the
// person to ask; a changed, foreign or other client's token is refused,
// and login_hint_token is refused with a reason.
func TestIDTokenHint(t *testing.T) {
	svc, _, a, clk := newService(t)
	regA, regB := pair(t, svc, a, "first"), pair(t, svc, a, "second")
	ca, _ := svc.Authenticate(regA.ClientID, regA.ClientSecret)
	cb, _ := svc.Authenticate(regB.ClientID, regB.ClientSecret)
	ans, err := svc.Authorize(ca, map[string]string{"scope": "openid", "login_hint": "alice@example.com"}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Approve(a.last().ID, ans.MatchCode); err != nil {
		t.Fatal(err)
	}
	clk.Advance(approve.DefaultInterval)
	tok, err := svc.Token(ca, ans.AuthReqID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authorize(ca, map[string]string{"scope": "openid", "id_token_hint": tok.IDToken}, approve.Caller{}); err != nil {
		t.Fatalf("the client's own ID token as hint: %v", err)
	}
	if p := a.last(); p.LoginHint != "alice@example.com" {
		t.Fatalf("the prompt shows %q, want the token's subject", p.LoginHint)
	}
	parts := strings.Split(tok.IDToken, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(claims), "alice", "mallory", 1))) + "." + parts[2]
	for name, c := range map[string]struct {
		client approve.Client
		params map[string]string
		want   string
	}{
		"another client's": {cb, map[string]string{"id_token_hint": tok.IDToken}, "another client"},
		"changed claims":   {ca, map[string]string{"id_token_hint": forged}, "does not verify"},
		"not a JWT":        {ca, map[string]string{"id_token_hint": "abc"}, "not a signed JWT"},
		"unsigned":         {ca, map[string]string{"id_token_hint": parts[0] + "." + parts[1] + "."}, "does not verify"},
		"login_hint_token": {ca, map[string]string{"login_hint_token": tok.IDToken}, "not login_hint_token"},
	} {
		c.params["scope"] = "openid"
		_, err := svc.Authorize(c.client, c.params, approve.Caller{})
		var pe *approve.Error
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a protocol error saying %q", name, err, c.want)
		}
	}
}
