package imports_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/imports"
	"github.com/tessera-auth/tessera/sync/imports/exportgen"
	"github.com/tessera-auth/tessera/vault"
)

var pass = []byte("correct horse battery staple")

func secret(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func totp(alg otp.Algorithm, digits, period int, sec []byte, issuer, account string) vault.Entry {
	return vault.Entry{Kind: vault.KindOTP, Issuer: issuer, Account: account,
		OTP: otp.Credential{Kind: otp.TOTP, Algorithm: alg, Digits: digits, Period: period, Secret: sec, Issuer: issuer, Account: account}}
}

func hotp(alg otp.Algorithm, digits int, counter uint64, sec []byte, issuer, account string) vault.Entry {
	return vault.Entry{Kind: vault.KindOTP, Issuer: issuer, Account: account,
		OTP: otp.Credential{Kind: otp.HOTP, Algorithm: alg, Digits: digits, Counter: counter, Secret: sec, Issuer: issuer, Account: account}}
}

func steam(sec []byte, account string) vault.Entry {
	return vault.Entry{Kind: vault.KindOTP, Issuer: "Steam", Account: account,
		OTP: otp.Credential{Kind: otp.Steam, Algorithm: otp.SHA1, Digits: 5, Period: 30, Secret: sec, Issuer: "Steam", Account: account}}
}

func with(e vault.Entry, tags []string, note string, fav bool) vault.Entry {
	e.Tags, e.Note, e.Favourite = tags, note, fav
	return e
}

// samples covers every kind, algorithm, a range of digit counts and
// periods, tags, notes, favourites and names outside ASCII.
func samples() []vault.Entry {
	return []vault.Entry{
		with(totp(otp.SHA1, 6, 30, secret(20, 1), "GitHub", "alice@example.com"), []string{"work", "code"}, "backup codes in the safe", true),
		with(totp(otp.SHA256, 8, 60, secret(32, 2), "Bank & Co", "bob"), []string{"money"}, "", false),
		with(totp(otp.SHA512, 7, 15, secret(64, 3), "Ünïcödé", "carol 日本"), nil, "line one\nline two, \"quoted\"", false),
		with(hotp(otp.SHA1, 6, 42, secret(20, 4), "Counter", "dave"), []string{"work"}, "", true),
		with(hotp(otp.SHA512, 8, 7, secret(16, 5), "Counter2", "erin"), nil, "", false),
		with(steam(secret(20, 6), "gaben"), []string{"games"}, "", false),
	}
}

// keeps says what of an entry a format carries; the test compares the rest
// against the default.
type keeps struct {
	kinds     []otp.Kind // nil: all
	tags      int        // how many tags: 0 none, 1 the first, -1 all
	notes     bool
	favourite bool
	period    bool // TOTP periods other than 30
	digits    bool // digit counts other than 6
	algs      bool // algorithms other than SHA1
}

var all = keeps{tags: -1, notes: true, favourite: true, period: true, digits: true, algs: true}

// want returns samples as the format gives them back: only the kinds it
// carries, and what it cannot carry at its default.
func (k keeps) want(in []vault.Entry) []vault.Entry {
	var out []vault.Entry
	for _, e := range in {
		if k.kinds != nil && !slices.Contains(k.kinds, e.OTP.Kind) {
			continue
		}
		switch {
		case k.tags == 0:
			e.Tags = nil
		case k.tags == 1 && len(e.Tags) > 1:
			e.Tags = e.Tags[:1]
		}
		if !k.notes {
			e.Note = ""
		}
		if !k.favourite {
			e.Favourite = false
		}
		out = append(out, e)
	}
	return out
}

// inputs drops the samples a format cannot carry at all, or carries
// differently (LastPass: TOTP only, SHA1 and 30 s only when !period ...).
func (k keeps) inputs(in []vault.Entry) []vault.Entry {
	var out []vault.Entry
	for _, e := range in {
		if k.kinds != nil && !slices.Contains(k.kinds, e.OTP.Kind) {
			continue
		}
		if !k.period && e.OTP.Kind == otp.TOTP && e.OTP.Period != 30 {
			continue
		}
		if !k.digits && e.OTP.Kind != otp.Steam && e.OTP.Digits != 6 {
			continue
		}
		if !k.algs && e.OTP.Algorithm != otp.SHA1 {
			continue
		}
		out = append(out, e)
	}
	return out
}

// sameEntries compares entries field by field, naming each difference.
func sameEntries(t *testing.T, got, want []vault.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d:\n got %s\nwant %s", len(got), len(want), labels(got), labels(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		var diffs []string
		check := func(field string, gv, wv any) {
			if fmt.Sprint(gv) != fmt.Sprint(wv) {
				diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", field, gv, wv))
			}
		}
		check("kind", g.Kind, w.Kind)
		check("issuer", g.Issuer, w.Issuer)
		check("account", g.Account, w.Account)
		check("otp kind", g.OTP.Kind, w.OTP.Kind)
		check("algorithm", g.OTP.Algorithm, w.OTP.Algorithm)
		check("digits", g.OTP.EffectiveDigits(), w.OTP.EffectiveDigits())
		check("period", g.OTP.EffectivePeriod(), w.OTP.EffectivePeriod())
		check("counter", g.OTP.Counter, w.OTP.Counter)
		if !bytes.Equal(g.OTP.Secret, w.OTP.Secret) {
			diffs = append(diffs, "secret differs")
		}
		check("tags", strings.Join(g.Tags, "|"), strings.Join(w.Tags, "|"))
		check("note", g.Note, w.Note)
		check("favourite", g.Favourite, w.Favourite)
		if err := g.OTP.Validate(); err != nil {
			diffs = append(diffs, "credential invalid: "+err.Error())
		}
		if len(diffs) > 0 {
			t.Errorf("entry %d (%s): %s", i+1, w.Label(), strings.Join(diffs, "; "))
		}
	}
}

func labels(es []vault.Entry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.Label())
	}
	return strings.Join(s, ", ")
}

// formatCases are every format and variant, with what each keeps.
var formatCases = []struct {
	name   string // test name
	format string // exportgen and imports name
	opts   exportgen.Options
	keeps  keeps
}{
	{"uris", "uris", exportgen.Options{}, keeps{period: true, digits: true, algs: true}},
	{"aegis", "aegis", exportgen.Options{}, all},
	{"aegis-icons", "aegis", exportgen.Options{Icons: true}, all},
	{"aegis-encrypted", "aegis", exportgen.Options{Passphrase: pass}, all},
	{"2fas", "2fas", exportgen.Options{}, keeps{tags: 1, notes: true, period: true, digits: true, algs: true}},
	{"2fas-encrypted", "2fas", exportgen.Options{Passphrase: pass}, keeps{tags: 1, notes: true, period: true, digits: true, algs: true}},
	{"andotp", "andotp", exportgen.Options{}, keeps{tags: -1, period: true, digits: true, algs: true}},
	{"andotp-encrypted", "andotp", exportgen.Options{Passphrase: pass}, keeps{tags: -1, period: true, digits: true, algs: true}},
	{"andotp-encrypted-old", "andotp", exportgen.Options{Passphrase: pass, Legacy: true}, keeps{tags: -1, period: true, digits: true, algs: true}},
	{"ente-plain", "uris", exportgen.Options{}, all}, // Ente's plain export is URIs with codeDisplay
	{"ente-encrypted", "ente", exportgen.Options{Passphrase: pass, Argon2Memory: 16 << 20, Argon2Passes: 2}, all},
	{"bitwarden", "bitwarden", exportgen.Options{}, keeps{tags: 1, notes: true, favourite: true, period: true, digits: true, algs: true}},
	{"bitwarden-pbkdf2", "bitwarden", exportgen.Options{Passphrase: pass, PBKDF2Rounds: 100000}, keeps{tags: 1, notes: true, favourite: true, period: true, digits: true, algs: true}},
	{"bitwarden-argon2", "bitwarden", exportgen.Options{Passphrase: pass, Argon2: true, Argon2Memory: 16 << 20, Argon2Passes: 3}, keeps{tags: 1, notes: true, favourite: true, period: true, digits: true, algs: true}},
	{"bitwarden-csv", "bitwarden-csv", exportgen.Options{}, keeps{tags: 1, notes: true, favourite: true, period: true, digits: true, algs: true}},
	{"freeotp", "freeotp", exportgen.Options{}, keeps{kinds: []otp.Kind{otp.TOTP, otp.HOTP}, period: true, digits: true, algs: true}},
	{"proton", "proton", exportgen.Options{}, keeps{notes: true, kinds: []otp.Kind{otp.TOTP, otp.Steam}, period: true, digits: true, algs: true}},
	{"proton-encrypted", "proton", exportgen.Options{Passphrase: pass}, keeps{notes: true, kinds: []otp.Kind{otp.TOTP, otp.Steam}, period: true, digits: true, algs: true}},
	{"authpro", "authpro", exportgen.Options{Icons: true}, keeps{tags: -1, period: true, digits: true, algs: true}},
	{"authpro-encrypted", "authpro", exportgen.Options{Passphrase: pass}, keeps{tags: -1, period: true, digits: true, algs: true}},
	{"authpro-encrypted-legacy", "authpro", exportgen.Options{Passphrase: pass, Legacy: true}, keeps{tags: -1, period: true, digits: true, algs: true}},
	{"lastpass", "lastpass", exportgen.Options{}, keeps{kinds: []otp.Kind{otp.TOTP}, tags: 1, favourite: true, period: true, digits: true, algs: true}},
	{"keepassxc", "keepassxc", exportgen.Options{}, keeps{kinds: []otp.Kind{otp.TOTP, otp.Steam}, tags: 1, notes: true, period: true, digits: true, algs: true}},
}

func TestFormats(t *testing.T) {
	for _, tc := range formatCases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.keeps.inputs(samples())
			gen := tc.format
			if tc.name == "ente-plain" {
				gen = "ente"
			}
			data, err := exportgen.Write(gen, in, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			// The format is sniffed from the content alone, but for
			// andOTP's old encrypted files, which need their name.
			name := ""
			if tc.opts.Legacy && tc.format == "andotp" {
				name = "otp_accounts_2024-01-02_03-04-05.json.aes"
			}
			if got := imports.Sniff(name, data); got != tc.format {
				t.Errorf("Sniff = %q, want %q", got, tc.format)
			}
			asked := 0
			res, err := imports.Read(name, data, imports.Options{Passphrase: func() ([]byte, error) {
				asked++
				return bytes.Clone(pass), nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if want := 0; tc.opts.Passphrase != nil {
				want = 1
				if asked != want {
					t.Errorf("passphrase asked %d times, want %d", asked, want)
				}
			} else if asked != 0 {
				t.Errorf("passphrase asked for a plain file")
			}
			if len(res.Problems) > 0 {
				t.Errorf("problems: %v", res.Problems)
			}
			sameEntries(t, res.Entries(), tc.keeps.want(in))
			if tc.opts.Icons && len(res.Dropped) == 0 {
				t.Errorf("icons were in the file but Dropped is empty")
			}
			// The same, with the format named (plain files only: the
			// key derivation is the costly part and was run above).
			if tc.opts.Passphrase != nil {
				return
			}
			res2, err := imports.Read("", data, imports.Options{Format: tc.format, Passphrase: func() ([]byte, error) { return pass, nil }})
			if err != nil {
				t.Fatal(err)
			}
			if len(res2.Items) != len(res.Items) {
				t.Errorf("with --format: %d entries, sniffed: %d", len(res2.Items), len(res.Items))
			}
		})
	}
}

// The formats that hold one kind or one account.
func TestSteamMaFile(t *testing.T) {
	e := steam(secret(20, 9), "gaben")
	data, err := exportgen.Write("steam", []vault.Entry{e}, exportgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := imports.Read("123.maFile", data, imports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Note = "Steam revocation code: R12345"
	sameEntries(t, res.Entries(), []vault.Entry{e})
	if len(res.Dropped) != 1 || !strings.Contains(res.Dropped[0], "identity_secret") {
		t.Errorf("Dropped = %q, want the trade confirmation key named", res.Dropped)
	}
}

func TestWrongPassphrase(t *testing.T) {
	for _, tc := range formatCases {
		if tc.opts.Passphrase == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			data, err := exportgen.Write(tc.format, tc.keeps.inputs(samples()), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = imports.Read("backup.aes", data, imports.Options{Passphrase: func() ([]byte, error) { return []byte("wrong"), nil }})
			if !errors.Is(err, imports.ErrWrongPassphrase) {
				t.Fatalf("err = %v, want ErrWrongPassphrase", err)
			}
			_, err = imports.Read("backup.aes", data, imports.Options{})
			if !errors.Is(err, imports.ErrNeedPassphrase) {
				t.Fatalf("without a passphrase: err = %v, want ErrNeedPassphrase", err)
			}
		})
	}
}

// Lines as Ente Auth writes its plain export: lower-case algorithm names,
// percent-encoded padding, and its codeDisplay JSON with '+' for spaces.
func TestEnteLines(t *testing.T) {
	data := "otpauth://totp/Site:me?secret=JVMVGRKDKJCVI%3D%3D%3D&issuer=Site&algorithm=sha256&digits=8&period=15&codeDisplay=%7B%22pinned%22%3Atrue%2C%22trashed%22%3Afalse%2C%22lastUsedAt%22%3A0%2C%22tapCount%22%3A3%2C%22tags%22%3A%5B%22a+b%22%5D%2C%22note%22%3A%22my+note%22%2C%22position%22%3A0%2C%22iconSrc%22%3A%22%22%2C%22iconID%22%3A%22%22%7D\n" +
		"otpauth://totp/Gone:x?secret=JVMVGRKDKJCVI&issuer=Gone&codeDisplay=%7B%22trashed%22%3Atrue%7D\n"
	res, err := imports.Read("ente-codes.txt", []byte(data), imports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sec, _ := otp.DecodeSecret("JVMVGRKDKJCVI")
	want := with(totp(otp.SHA256, 8, 15, sec, "Site", "me"), []string{"a b"}, "my note", true)
	sameEntries(t, res.Entries(), []vault.Entry{want})
	if len(res.Problems) != 1 || res.Problems[0].Position != "line 2" || !strings.Contains(res.Problems[0].Reason, "trash") {
		t.Errorf("problems = %v, want line 2 named as in the trash", res.Problems)
	}
}

// Ente's codeDisplay can make a line longer than any URI may be (a long
// note): the entry still imports, note and all.
func TestEnteLongNote(t *testing.T) {
	note := strings.Repeat("a long note, ", 1000)
	sec := secret(20, 1)
	e := with(totp(otp.SHA1, 6, 30, sec, "Notes", "n"), nil, note, false)
	data, err := exportgen.Write("ente", []vault.Entry{e}, exportgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) <= otp.MaxURILength {
		t.Fatalf("the line is only %d bytes", len(data))
	}
	res, err := imports.Read("", data, imports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameEntries(t, res.Entries(), []vault.Entry{e})
}

// Steam Desktop Authenticator folders, plain and encrypted: manifest.json
// brings every account; one encrypted .maFile is opened with the salt the
// manifest beside it gives.
func TestSteamDesktopAuthenticator(t *testing.T) {
	accounts := []vault.Entry{steam(secret(20, 1), "first"), steam(secret(20, 2), "second")}
	want := make([]vault.Entry, len(accounts))
	for i, e := range accounts {
		e.Note = "Steam revocation code: R12345"
		want[i] = e
	}
	for _, p := range [][]byte{nil, pass} {
		files, err := exportgen.SteamSDA(accounts, p)
		if err != nil {
			t.Fatal(err)
		}
		related := func(name string) ([]byte, error) {
			b, ok := files[name]
			if !ok {
				return nil, errors.New("no such file")
			}
			return b, nil
		}
		opts := imports.Options{ReadRelated: related, Passphrase: func() ([]byte, error) { return pass, nil }}
		res, err := imports.Read("sda/manifest.json", files["manifest.json"], opts)
		if err != nil {
			t.Fatalf("encrypted %v: %v", p != nil, err)
		}
		sameEntries(t, res.Entries(), want)

		name := "76561197960287931.maFile"
		res, err = imports.Read("sda/"+name, files[name], opts)
		if err != nil {
			t.Fatalf("encrypted %v, one file: %v", p != nil, err)
		}
		sameEntries(t, res.Entries(), want[1:])
		if p == nil {
			continue
		}
		// Wrong passphrase; no folder at hand.
		wrong := opts
		wrong.Passphrase = func() ([]byte, error) { return []byte("wrong"), nil }
		if _, err := imports.Read("sda/manifest.json", files["manifest.json"], wrong); !errors.Is(err, imports.ErrWrongPassphrase) {
			t.Errorf("wrong passphrase: %v", err)
		}
		if _, err := imports.Read(name, files[name], imports.Options{Passphrase: opts.Passphrase}); err == nil || !strings.Contains(err.Error(), "manifest.json") {
			t.Errorf("without the folder: %v", err)
		}
	}
}
