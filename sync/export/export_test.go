package export_test

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/scrypt"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/sync/export"
	"github.com/tessera-auth/tessera/vault"
)

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// sampleEntries holds every OTP kind, algorithm, digit count and period
// the formats carry, tags, notes and favourites, and an API token, which
// only the paper backup holds.
func sampleEntries() []vault.Entry {
	sec := func(i int) []byte { return []byte(fmt.Sprintf("export-secret-%d-0123456789", i)) }
	return []vault.Entry{
		{ID: "a1", Kind: vault.KindOTP, Issuer: "GitHub", Account: "alice@example.com",
			OTP:  otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: sec(1)},
			Tags: []string{"work", "code"}, Favourite: true, Note: "recovery codes in the safe", Created: t0, Modified: t0},
		{ID: "b2", Kind: vault.KindOTP, Issuer: "Bank & <Co>", Account: "a:b",
			OTP: otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA512, Digits: 8, Period: 60, Secret: sec(2)}, Tags: []string{"work"}, Created: t0, Modified: t0},
		{ID: "c3", Kind: vault.KindOTP, Issuer: "VPN", Account: "bob",
			OTP: otp.Credential{Kind: otp.HOTP, Algorithm: otp.SHA256, Digits: 7, Counter: 42, Secret: sec(3)}, Created: t0, Modified: t0},
		{ID: "d4", Kind: vault.KindOTP, Issuer: "Steam", Account: "gamer",
			OTP: otp.Credential{Kind: otp.Steam, Period: 30, Secret: sec(4)}, Created: t0, Modified: t0},
		{ID: "e5", Kind: vault.KindOTP, Account: "no issuer",
			OTP: otp.Credential{Kind: otp.TOTP, Digits: 6, Period: 20, Secret: sec(5)}, Created: t0, Modified: t0},
		{ID: "f6", Kind: vault.KindToken, Issuer: "CI token", Account: "deploy",
			Token: vault.Token{Value: []byte("ghp_exporttoken"), URL: "https://ci.example.com"}, Created: t0, Modified: t0},
	}
}

// otpEntries are the sample entries every OTP format must carry.
func otpEntries() []vault.Entry {
	var out []vault.Entry
	for _, e := range sampleEntries() {
		if e.Kind == vault.KindOTP {
			out = append(out, e)
		}
	}
	return out
}

// got is what a reader of a format found of one entry.
type got struct {
	kind, issuer, account, alg string
	secret                     []byte
	digits, period             int
	counter                    uint64
	tags                       []string
	note                       string
	favourite                  bool
}

// compare checks the entries a reader found against want, field by field;
// fields the format does not carry are given as skip.
func compare(t *testing.T, gots []got, want []vault.Entry, skip ...string) {
	t.Helper()
	if len(gots) != len(want) {
		t.Fatalf("%d entries read back, want %d", len(gots), len(want))
	}
	for i, w := range want {
		g := gots[i]
		c := w.OTP
		var diffs []string
		check := func(name string, ok bool) {
			if !ok && !slices.Contains(skip, name) {
				diffs = append(diffs, name)
			}
		}
		check("kind", g.kind == c.Kind.String())
		check("issuer", g.issuer == w.Issuer)
		check("account", g.account == w.Account)
		check("algorithm", g.alg == c.Algorithm.String())
		check("secret", bytes.Equal(g.secret, c.Secret))
		check("digits", g.digits == c.EffectiveDigits())
		check("period", g.period == c.EffectivePeriod())
		check("counter", g.counter == c.Counter)
		check("tags", slices.Equal(g.tags, w.Tags))
		check("note", g.note == w.Note)
		check("favourite", g.favourite == w.Favourite)
		if len(diffs) > 0 {
			t.Errorf("entry %d (%s): differs in %s", i+1, w.Label(), strings.Join(diffs, ", "))
		}
	}
}

func checkSkippedToken(t *testing.T, r export.Result) {
	t.Helper()
	if r.Written != 5 || len(r.Skipped) != 1 || r.Skipped[0].Label != "CI token: deploy" || !strings.Contains(r.Skipped[0].Why, "API token") {
		t.Errorf("result %+v, want 5 written and the token skipped", r)
	}
}

func TestURIs(t *testing.T) {
	var buf bytes.Buffer
	r, err := export.URIs(&buf, sampleEntries())
	if err != nil {
		t.Fatal(err)
	}
	checkSkippedToken(t, r)
	var gots []got
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		c, _, err := otp.ParseURI(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		gots = append(gots, got{kind: c.Kind.String(), issuer: c.Issuer, account: c.Account, alg: c.Algorithm.String(),
			secret: c.Secret, digits: c.EffectiveDigits(), period: c.EffectivePeriod(), counter: c.Counter})
	}
	compare(t, gots, otpEntries(), "tags", "note", "favourite")
}

// aegisVault is Aegis's file as docs/vault.md describes it.
type aegisVault struct {
	Version int `json:"version"`
	Header  struct {
		Slots []struct {
			Type      int    `json:"type"`
			Key       string `json:"key"`
			KeyParams struct {
				Nonce string `json:"nonce"`
				Tag   string `json:"tag"`
			} `json:"key_params"`
			N, R, P int
			Salt    string `json:"salt"`
		} `json:"slots"`
		Params *struct {
			Nonce string `json:"nonce"`
			Tag   string `json:"tag"`
		} `json:"params"`
	} `json:"header"`
	DB json.RawMessage `json:"db"`
}

type aegisDB struct {
	Version int `json:"version"`
	Entries []struct {
		Type, UUID, Name, Issuer, Note string
		Favorite                       bool
		Icon                           *string
		Groups                         []string
		Info                           struct {
			Secret, Algo            string
			Digits, Period, Counter int
		}
	} `json:"entries"`
	Groups []struct{ UUID, Name string } `json:"groups"`
}

// aegisDecrypt is Aegis's published decryption procedure (docs/vault.md):
// for a password slot, scrypt(password, salt, N, r, p) gives a 32-byte key
// that opens the slot's master key with AES-256-GCM (nonce and tag from
// key_params); the master key opens the base64 db with the header's nonce
// and tag.
func aegisDecrypt(f *aegisVault, password string) ([]byte, error) {
	var dbCT string
	if err := json.Unmarshal(f.DB, &dbCT); err != nil {
		return nil, fmt.Errorf("db is not a string: %v", err)
	}
	for _, s := range f.Header.Slots {
		if s.Type != 1 {
			continue
		}
		salt, _ := hex.DecodeString(s.Salt)
		kek, err := scrypt.Key([]byte(password), salt, s.N, s.R, s.P, 32)
		if err != nil {
			return nil, err
		}
		master, err := gcmOpen(kek, s.KeyParams.Nonce, s.Key, s.KeyParams.Tag)
		if err != nil {
			continue // not this slot's password
		}
		ct, err := base64.StdEncoding.DecodeString(dbCT)
		if err != nil {
			return nil, err
		}
		return gcmOpen(master, f.Header.Params.Nonce, hex.EncodeToString(ct), f.Header.Params.Tag)
	}
	return nil, errors.New("no password slot opens")
}

func gcmOpen(key []byte, nonceHex, ctHex, tagHex string) ([]byte, error) {
	nonce, _ := hex.DecodeString(nonceHex)
	ct, _ := hex.DecodeString(ctHex)
	tag, _ := hex.DecodeString(tagHex)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, nonce, append(ct, tag...), nil)
}

func readAegisDB(t *testing.T, b []byte) []got {
	t.Helper()
	var db aegisDB
	if err := json.Unmarshal(b, &db); err != nil {
		t.Fatal(err)
	}
	if db.Version != 3 {
		t.Errorf("db version %d, want 3", db.Version)
	}
	groups := map[string]string{}
	for _, g := range db.Groups {
		groups[g.UUID] = g.Name
	}
	var out []got
	seen := map[string]bool{}
	for _, e := range db.Entries {
		if seen[e.UUID] || len(e.UUID) != 36 {
			t.Errorf("uuid %q repeated or malformed", e.UUID)
		}
		seen[e.UUID] = true
		secret, err := otp.DecodeSecret(e.Info.Secret)
		if err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, g := range e.Groups {
			tags = append(tags, groups[g])
		}
		out = append(out, got{kind: e.Type, issuer: e.Issuer, account: e.Name, alg: e.Info.Algo, secret: secret,
			digits: e.Info.Digits, period: e.Info.Period, counter: uint64(e.Info.Counter), tags: tags, note: e.Note, favourite: e.Favorite})
	}
	return out
}

func TestAegisPlain(t *testing.T) {
	var buf bytes.Buffer
	r, err := export.Aegis(&buf, sampleEntries(), "")
	if err != nil {
		t.Fatal(err)
	}
	checkSkippedToken(t, r)
	var f aegisVault
	if err := json.Unmarshal(buf.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != 1 || f.Header.Slots != nil || f.Header.Params != nil {
		t.Errorf("plain vault header: version %d slots %v params %v, want 1, null, null", f.Version, f.Header.Slots, f.Header.Params)
	}
	compare(t, readAegisDB(t, f.DB), otpEntries())
}

func TestAegisEncrypted(t *testing.T) {
	var buf bytes.Buffer
	r, err := export.Aegis(&buf, sampleEntries(), "aegis pässword")
	if err != nil {
		t.Fatal(err)
	}
	checkSkippedToken(t, r)
	if bytes.Contains(buf.Bytes(), []byte("GitHub")) || bytes.Contains(buf.Bytes(), []byte(otp.EncodeSecret(sampleEntries()[0].OTP.Secret))) {
		t.Fatal("the encrypted export holds plaintext")
	}
	var f aegisVault
	if err := json.Unmarshal(buf.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if s := f.Header.Slots; len(s) != 1 || s[0].N != 32768 || s[0].R != 8 || s[0].P != 1 || len(s[0].Salt) != 64 {
		t.Fatalf("slots %+v, want one scrypt N=2^15 r=8 p=1 slot with a 32-byte salt", s)
	}
	if _, err := aegisDecrypt(&f, "wrong"); err == nil {
		t.Error("a wrong password opened the export")
	}
	plain, err := aegisDecrypt(&f, "aegis pässword")
	if err != nil {
		t.Fatal(err)
	}
	compare(t, readAegisDB(t, plain), otpEntries())
}

// twoFASFile is a 2FAS backup as the app writes it (schema 4).
type twoFASFile struct {
	Services []struct {
		Name, Secret string
		OTP          struct {
			Link, Label, Account, Issuer, Algorithm, TokenType string
			Digits, Period, Counter                            int
		} `json:"otp"`
		GroupID *string `json:"groupId"`
	} `json:"services"`
	Groups            []struct{ ID, Name string } `json:"groups"`
	SchemaVersion     int                         `json:"schemaVersion"`
	ServicesEncrypted string                      `json:"servicesEncrypted"`
	Reference         string                      `json:"reference"`
}

// twoFASOpen decrypts "base64(ct+tag):base64(salt):base64(iv)" with
// PBKDF2-HMAC-SHA256 (10,000 iterations) of the password and AES-GCM.
func twoFASOpen(field, password string) ([]byte, error) {
	parts := strings.Split(field, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d parts, want 3", len(parts))
	}
	var raw [3][]byte
	for i, p := range parts {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil {
			return nil, err
		}
		raw[i] = b
	}
	key, err := pbkdf2.Key(sha256.New, password, raw[1], 10000, 32)
	if err != nil {
		return nil, err
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	return gcm.Open(nil, raw[2], raw[0], nil)
}

func readTwoFAS(t *testing.T, f *twoFASFile) []got {
	t.Helper()
	groups := map[string]string{}
	for _, g := range f.Groups {
		groups[g.ID] = g.Name
	}
	var out []got
	for _, s := range f.Services {
		secret, err := otp.DecodeSecret(s.Secret)
		if err != nil {
			t.Fatal(err)
		}
		var tags []string
		if s.GroupID != nil {
			tags = []string{groups[*s.GroupID]}
		}
		if c, _, err := otp.ParseURI(s.OTP.Link); err != nil || !bytes.Equal(c.Secret, secret) {
			t.Errorf("%s: link does not parse or holds another secret: %v", s.Name, err)
		}
		out = append(out, got{kind: strings.ToLower(s.OTP.TokenType), issuer: s.OTP.Issuer, account: s.OTP.Account, alg: s.OTP.Algorithm,
			secret: secret, digits: s.OTP.Digits, period: s.OTP.Period, counter: uint64(s.OTP.Counter), tags: tags})
	}
	return out
}

func TestTwoFAS(t *testing.T) {
	want := otpEntries()
	for _, password := range []string{"", "2fas pass"} {
		var buf bytes.Buffer
		r, err := export.TwoFAS(&buf, sampleEntries(), password, t0)
		if err != nil {
			t.Fatal(err)
		}
		checkSkippedToken(t, r)
		var f twoFASFile
		if err := json.Unmarshal(buf.Bytes(), &f); err != nil {
			t.Fatal(err)
		}
		if f.SchemaVersion != 4 {
			t.Errorf("schema %d, want 4", f.SchemaVersion)
		}
		if password != "" {
			if len(f.Services) != 0 || bytes.Contains(buf.Bytes(), []byte("GitHub")) {
				t.Fatal("the protected export holds services in clear")
			}
			if _, err := twoFASOpen(f.Reference, "wrong"); err == nil {
				t.Error("a wrong password opened the reference")
			}
			ref, err := twoFASOpen(f.Reference, password)
			if err != nil || string(ref) != export.TwoFASReference {
				t.Fatalf("reference: %v", err)
			}
			services, err := twoFASOpen(f.ServicesEncrypted, password)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(services, &f.Services); err != nil {
				t.Fatal(err)
			}
		}
		// 2FAS keeps one group per service (the first tag), no notes or
		// favourites.
		w := slices.Clone(want)
		for i := range w {
			w[i].Tags = w[i].Tags[:min(len(w[i].Tags), 1)]
		}
		compare(t, readTwoFAS(t, &f), w, "note", "favourite")
	}
}

func TestHTMLHoldsEveryEntry(t *testing.T) {
	var buf bytes.Buffer
	r, err := export.HTML(&buf, sampleEntries(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Written != 6 || len(r.Skipped) != 0 {
		t.Errorf("result %+v, want all 6 written", r)
	}
	page := buf.String()
	for _, want := range []string{"Printed 2026-03-14 15:09 UTC, 6 entries", "Bank &amp; &lt;Co&gt;", "next counter 42", "ghp_exporttoken", "recovery codes in the safe"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<img alt="QR code"`); n != 6 {
		t.Errorf("%d QR codes, want 6", n)
	}
}

// TestMigration writes Google Authenticator export codes for 26
// entries, split over several codes, reads each PNG back with otp/qr and
// each payload with otp.ParseMigration; what the payload cannot carry
// (Steam, periods other than 30 s, 7 digits, tokens) is named.
func TestMigration(t *testing.T) {
	entries := sampleEntries()
	for i := range 20 {
		alg := []otp.Algorithm{otp.SHA1, otp.SHA256, otp.SHA512}[i%3]
		e := vault.Entry{ID: fmt.Sprintf("m%d", i), Kind: vault.KindOTP, Issuer: fmt.Sprintf("Migrated service %d", i), Account: fmt.Sprintf("user%d@example.com", i),
			OTP: otp.Credential{Kind: otp.TOTP, Algorithm: alg, Digits: 6 + 2*(i%2), Period: 30, Secret: []byte(fmt.Sprintf("migration-secret-%02d-xyz", i))}}
		if i%5 == 0 {
			e.OTP = otp.Credential{Kind: otp.HOTP, Algorithm: alg, Digits: 6, Counter: uint64(i * 7), Secret: e.OTP.Secret}
		}
		entries = append(entries, e)
	}
	codes, r, err := export.Migration(entries)
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, s := range r.Skipped {
		skipped = append(skipped, s.Label)
	}
	wantSkipped := []string{"Bank & <Co>: a:b", "VPN: bob", "Steam: gamer", "no issuer", "CI token: deploy"}
	if !slices.Equal(skipped, wantSkipped) || r.Written != 21 || len(codes) < 2 {
		t.Fatalf("skipped %q, wrote %d in %d codes; want %q skipped, 21 in several codes", skipped, r.Written, len(codes), wantSkipped)
	}
	var gots []got
	for i, c := range codes {
		texts, err := qr.Decode(bytes.NewReader(c.PNG))
		if err != nil || len(texts) != 1 || texts[0] != c.URI {
			t.Fatalf("code %d reads as %d texts, %v", i+1, len(texts), err)
		}
		batch, err := otp.ParseMigration(texts[0])
		if err != nil {
			t.Fatal(err)
		}
		if batch.BatchIndex != i || batch.BatchSize != len(codes) {
			t.Errorf("code %d is batch %d of %d", i+1, batch.BatchIndex+1, batch.BatchSize)
		}
		for _, c := range batch.Credentials {
			gots = append(gots, got{kind: c.Kind.String(), issuer: c.Issuer, account: c.Account, alg: c.Algorithm.String(),
				secret: c.Secret, digits: c.EffectiveDigits(), period: c.EffectivePeriod(), counter: c.Counter})
		}
	}
	var want []vault.Entry
	for _, e := range entries {
		if e.ID == "a1" || strings.HasPrefix(e.ID, "m") {
			want = append(want, e)
		}
	}
	compare(t, gots, want, "tags", "note", "favourite")
}
