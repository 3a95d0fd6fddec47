package imports_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/imports"
	"github.com/tessera-auth/tessera/sync/imports/exportgen"
	"github.com/tessera-auth/tessera/vault"
)

func gen(t *testing.T, format string, entries []vault.Entry, o exportgen.Options) []byte {
	t.Helper()
	data, err := exportgen.Write(format, entries, o)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func read(data []byte, format string) (*imports.Result, error) {
	return imports.Read("", data, imports.Options{Format: format, Passphrase: func() ([]byte, error) { return pass, nil }})
}

// Every format, cut short anywhere: an error naming the format, or fewer
// entries; never a panic, never a secret in the message.
func TestTruncated(t *testing.T) {
	for _, tc := range formatCases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.keeps.inputs(samples())
			format := tc.format
			if tc.name == "ente-plain" {
				format = "ente"
			}
			data := gen(t, format, in, tc.opts)
			cuts := 40
			if tc.opts.Passphrase != nil {
				cuts = 5 // each cut derives a key
			}
			step := max(len(data)/cuts, 1)
			for n := 0; n < len(data); n += step {
				res, err := read(data[:n], tc.format)
				if err != nil {
					for _, e := range in {
						if s := otp.EncodeSecret(e.OTP.Secret); strings.Contains(err.Error(), s[:16]) {
							t.Fatalf("cut at %d: the error shows a secret: %v", n, err)
						}
					}
					continue
				}
				if len(res.Items) > len(in) {
					t.Fatalf("cut at %d: %d entries from %d", n, len(res.Items), len(in))
				}
			}
		})
	}
}

// One entry that cannot be used is reported with its position; the others
// still import.
func TestBadEntrySkipped(t *testing.T) {
	in := []vault.Entry{
		totp(otp.SHA1, 6, 30, secret(20, 1), "First", "a"),
		totp(otp.SHA1, 6, 30, secret(20, 2), "Second", "b"),
		totp(otp.SHA1, 6, 30, secret(20, 3), "Third", "c"),
	}
	bad := otp.EncodeSecret(in[1].OTP.Secret)
	for _, tc := range []struct {
		format, want, pos string
	}{
		{"uris", "secret has '!'", "line 2"},
		{"aegis", "secret has '!'", "entry 2"},
		{"2fas", "secret has '!'", "entry 2"},
		{"andotp", "secret has '!'", "entry 2"},
		{"bitwarden", "secret has '!'", "item 2"},
		{"bitwarden-csv", "secret has '!'", "line 3"},
		{"proton", "secret has '!'", "entry 2"},
		{"authpro", "secret has '!'", "entry 2"},
		{"lastpass", "secret has '!'", "entry 2"},
		{"keepassxc", "secret has '!'", "line 3"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			data := gen(t, tc.format, in, exportgen.Options{})
			if !bytes.Contains(data, []byte(bad)) {
				t.Fatalf("the export does not hold the secret in base32")
			}
			data = bytes.ReplaceAll(data, []byte(bad), []byte("NOT!BASE32"))
			res, err := read(data, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) != 1 || res.Problems[0].Position != tc.pos || !strings.Contains(res.Problems[0].Reason, tc.want) {
				t.Fatalf("problems = %v, want one at %s about %q", res.Problems, tc.pos, tc.want)
			}
			sameEntries(t, res.Entries(), []vault.Entry{in[0], in[2]})
		})
	}
	t.Run("freeotp", func(t *testing.T) {
		data := gen(t, "freeotp", in, exportgen.Options{})
		var f map[string]any
		json.Unmarshal(data, &f)
		f["tokens"].([]any)[1].(map[string]any)["secret"] = []int{1, 2, 999}
		data, _ = json.Marshal(f)
		res, err := read(data, "freeotp")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Problems) != 1 || res.Problems[0].Position != "entry 2" {
			t.Fatalf("problems = %v", res.Problems)
		}
		sameEntries(t, res.Entries(), []vault.Entry{in[0], in[2]})
	})
}

// editJSON changes a generated JSON export.
func editJSON(t *testing.T, data []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	edit(f)
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Kinds and parameters Tessera cannot use are named.
func TestUnsupportedEntries(t *testing.T) {
	in := []vault.Entry{totp(otp.SHA1, 6, 30, secret(20, 1), "First", "a"), totp(otp.SHA1, 6, 30, secret(20, 2), "Yandex", "y")}
	aegis := editJSON(t, gen(t, "aegis", in, exportgen.Options{}), func(f map[string]any) {
		f["db"].(map[string]any)["entries"].([]any)[1].(map[string]any)["type"] = "yandex"
	})
	authpro := editJSON(t, gen(t, "authpro", in, exportgen.Options{}), func(f map[string]any) {
		f["Authenticators"].([]any)[1].(map[string]any)["Type"] = 5
	})
	twofas := editJSON(t, gen(t, "2fas", in, exportgen.Options{}), func(f map[string]any) {
		f["services"].([]any)[1].(map[string]any)["otp"].(map[string]any)["digits"] = 12
	})
	for _, tc := range []struct {
		format string
		data   []byte
		want   string
	}{
		{"aegis", aegis, "yandex codes are not supported"},
		{"authpro", authpro, "Yandex codes are not supported"},
		{"2fas", twofas, "digits 12 out of range 4..10"},
	} {
		res, err := read(tc.data, tc.format)
		if err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		if len(res.Items) != 1 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, tc.want) || res.Problems[0].Position != "entry 2" {
			t.Errorf("%s: %d entries, problems %v; want 1 entry and %q at entry 2", tc.format, len(res.Items), res.Problems, tc.want)
		}
	}
}

// Key derivation costs from a file are bounded before any work is done:
// each of these would take many GiB or hours if derived.
func TestHostileCosts(t *testing.T) {
	in := samples()[:1]
	aegis := editJSON(t, gen(t, "aegis", in, exportgen.Options{Passphrase: pass}), func(f map[string]any) {
		f["header"].(map[string]any)["slots"].([]any)[1].(map[string]any)["n"] = 1 << 30
	})
	aegisR := editJSON(t, gen(t, "aegis", in, exportgen.Options{Passphrase: pass}), func(f map[string]any) {
		f["header"].(map[string]any)["slots"].([]any)[1].(map[string]any)["r"] = 1 << 20
	})
	bwPBKDF2 := editJSON(t, gen(t, "bitwarden", in, exportgen.Options{Passphrase: pass, PBKDF2Rounds: 1000}), func(f map[string]any) {
		f["kdfIterations"] = 4_000_000_000
	})
	bwArgon := editJSON(t, gen(t, "bitwarden", in, exportgen.Options{Passphrase: pass, Argon2: true, Argon2Memory: 8 << 20, Argon2Passes: 1}), func(f map[string]any) {
		f["kdfMemory"] = 65536 // MiB: 64 GiB
	})
	bwPasses := editJSON(t, gen(t, "bitwarden", in, exportgen.Options{Passphrase: pass, Argon2: true, Argon2Memory: 8 << 20, Argon2Passes: 1}), func(f map[string]any) {
		f["kdfMemory"], f["kdfIterations"] = 1024, 1000
	})
	enteMem := editJSON(t, gen(t, "ente", in, exportgen.Options{Passphrase: pass, Argon2Memory: 8 << 20, Argon2Passes: 1}), func(f map[string]any) {
		f["kdfParams"].(map[string]any)["memLimit"] = uint64(64 << 30)
	})
	enteOps := editJSON(t, gen(t, "ente", in, exportgen.Options{Passphrase: pass, Argon2Memory: 8 << 20, Argon2Passes: 1}), func(f map[string]any) {
		f["kdfParams"].(map[string]any)["memLimit"] = uint64(1 << 30)
		f["kdfParams"].(map[string]any)["opsLimit"] = 100
	})
	for _, tc := range []struct {
		name, format string
		data         []byte
		param        string
	}{
		{"aegis n", "aegis", aegis, "n"},
		{"aegis r", "aegis", aegisR, "r"},
		{"bitwarden pbkdf2", "bitwarden", bwPBKDF2, "kdfIterations"},
		{"bitwarden argon2 memory", "bitwarden", bwArgon, "kdfMemory"},
		{"bitwarden argon2 passes", "bitwarden", bwPasses, "iterations"},
		{"ente memory", "ente", enteMem, "memLimit"},
		{"ente passes", "ente", enteOps, "opsLimit"},
	} {
		start := time.Now()
		asked := false
		_, err := imports.Read("", tc.data, imports.Options{Passphrase: func() ([]byte, error) { asked = true; return pass, nil }})
		var ce *imports.CostError
		if !errors.As(err, &ce) || ce.Param != tc.param {
			t.Errorf("%s: err = %v, want a CostError on %s", tc.name, err, tc.param)
			continue
		}
		if tc.format != "bitwarden" || tc.param != "iterations" {
			if asked {
				t.Errorf("%s: the passphrase was asked for before the costs were checked", tc.name)
			}
		}
		if !strings.Contains(err.Error(), "out of bounds") {
			t.Errorf("%s: message %q does not say what is wrong", tc.name, err)
		}
		_ = start
	}

	// andOTP: a round count beyond the bound is not taken as one (the
	// file is then read as the old form, which this one is not).
	data := gen(t, "andotp", in, exportgen.Options{Passphrase: pass, PBKDF2Rounds: 1000})
	binary.BigEndian.PutUint32(data, 4_000_000_000)
	if _, err := imports.Read("x.json.aes", data, imports.Options{Passphrase: func() ([]byte, error) { return pass, nil }}); !errors.Is(err, imports.ErrWrongPassphrase) {
		t.Errorf("andotp with 4e9 rounds: err = %v", err)
	}
}

func TestDamagedCiphertext(t *testing.T) {
	data := gen(t, "aegis", samples(), exportgen.Options{Passphrase: pass})
	data = editJSON(t, data, func(f map[string]any) {
		ct, _ := base64.StdEncoding.DecodeString(f["db"].(string))
		ct[len(ct)/2] ^= 1
		f["db"] = base64.StdEncoding.EncodeToString(ct)
	})
	_, err := read(data, "aegis")
	if err == nil || errors.Is(err, imports.ErrWrongPassphrase) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("err = %v, want the file called damaged (the passphrase opened the key)", err)
	}
}

func TestBitwardenAccountRestricted(t *testing.T) {
	data := []byte(`{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.AAAA|AAAA|AAAA", "folders": [], "items": [{"type": 1, "name": "2.x|y|z", "login": {"totp": "2.a|b|c"}}]}`)
	_, err := read(data, "")
	if err == nil || !strings.Contains(err.Error(), "account-restricted") {
		t.Errorf("err = %v", err)
	}
}

func TestUnknown(t *testing.T) {
	for _, data := range []string{"", "hello", "{}", "[]", `{"some": "json"}`, "\x00\x01\x02"} {
		if _, err := imports.Read("file", []byte(data), imports.Options{}); !errors.Is(err, imports.ErrUnknownFormat) {
			t.Errorf("%q: err = %v, want ErrUnknownFormat", data, err)
		}
	}
	if _, err := imports.Read("", make([]byte, imports.MaxInputSize+1), imports.Options{}); !errors.Is(err, imports.ErrTooLarge) {
		t.Errorf("oversized: err = %v", err)
	}
}

func TestDedupe(t *testing.T) {
	a := totp(otp.SHA1, 6, 30, secret(20, 1), "A", "a")
	a.ID = "0000000000000001"
	renamed := a
	renamed.ID, renamed.Issuer = "", "Renamed"
	asHOTP := hotp(otp.SHA1, 6, 0, secret(20, 1), "A", "a") // same secret, other kind: kept
	other := totp(otp.SHA1, 6, 30, secret(20, 2), "B", "b")
	items := []imports.Item{{renamed, "entry 1"}, {asHOTP, "entry 2"}, {other, "entry 3"}, {other, "entry 4"}}
	fresh, dups := imports.Dedupe([]vault.Entry{a}, items)
	if len(fresh) != 2 || fresh[0].Position != "entry 2" || fresh[1].Position != "entry 3" {
		t.Errorf("fresh = %v", fresh)
	}
	if len(dups) != 2 || dups[0].Of != a.ID || dups[1].Of != "entry 3" {
		t.Errorf("dups = %+v", dups)
	}
	// The same HOTP secret twice in a file: the higher counter is kept.
	h1 := hotp(otp.SHA1, 6, 3, secret(20, 7), "H", "h")
	h2 := hotp(otp.SHA1, 6, 9, secret(20, 7), "H", "h")
	fresh, dups = imports.Dedupe(nil, []imports.Item{{h1, "entry 1"}, {h2, "entry 2"}})
	if len(fresh) != 1 || fresh[0].Entry.OTP.Counter != 9 || len(dups) != 1 || dups[0].InVault {
		t.Errorf("HOTP twice: fresh %+v, dups %+v", fresh, dups)
	}
	// A deleted entry does not make a duplicate.
	a.Deleted = true
	if fresh, _ := imports.Dedupe([]vault.Entry{a}, items[:1]); len(fresh) != 1 {
		t.Errorf("a tombstone counted as a duplicate")
	}
}

// Google Authenticator exports over several QR codes: the missing parts
// are named.
func TestMissingParts(t *testing.T) {
	var creds []otp.Credential
	for i := range 40 {
		creds = append(creds, otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: secret(20, byte(i)), Issuer: "I", Account: strings.Repeat("x", 20) + string(rune('a'+i%26))})
	}
	uris, err := otp.FormatMigration(creds, 77)
	if err != nil || len(uris) < 3 {
		t.Fatalf("FormatMigration: %d codes, %v", len(uris), err)
	}
	var parts []imports.Part
	n := 0
	for i, u := range uris {
		if i == 1 {
			continue
		}
		res, err := imports.Read("", []byte(u+"\n"), imports.Options{})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, res.Parts...)
		n += len(res.Items)
	}
	missing := imports.MissingParts(parts)
	if len(missing) != 1 || missing[0] != "part 2 of "+string(rune('0'+len(uris)))+" of a Google Authenticator export" {
		t.Errorf("missing = %q", missing)
	}
	if n == 0 || n >= 40 {
		t.Errorf("%d entries from the parts given", n)
	}
}

// A file read as a format it is not gives an error, not an empty import.
func TestWrongFormatNamed(t *testing.T) {
	data := gen(t, "aegis", samples(), exportgen.Options{})
	for _, f := range imports.Formats() {
		if f[0] == "aegis" {
			continue
		}
		res, err := read(data, f[0])
		if err == nil {
			t.Errorf("aegis file read as %s: %d entries, %d problems and no error", f[0], len(res.Items), len(res.Problems))
		}
	}
}

// An account already in the vault whose other copy counted further: the
// vault's counter goes up to it, never down.
func TestRaiseCounters(t *testing.T) {
	v, _, err := vault.Create(t.TempDir(), "pass", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	low, err := v.Add(hotp(otp.SHA1, 6, 5, secret(20, 1), "Low", "l"))
	if err != nil {
		t.Fatal(err)
	}
	high, err := v.Add(hotp(otp.SHA1, 6, 50, secret(20, 2), "High", "h"))
	if err != nil {
		t.Fatal(err)
	}
	items := []imports.Item{
		{hotp(otp.SHA1, 6, 20, secret(20, 1), "Other name", "x"), "entry 1"},
		{hotp(otp.SHA1, 6, 10, secret(20, 2), "High", "h"), "entry 2"},
	}
	_, dups := imports.Dedupe(v.Entries(), items)
	changed, err := imports.RaiseCounters(v, dups)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || changed[0].ID != low.ID {
		t.Fatalf("changed %v, want the low one only", changed)
	}
	if e, _ := v.Entry(low.ID); e.OTP.Counter != 20 {
		t.Errorf("low counter = %d, want 20", e.OTP.Counter)
	}
	if e, _ := v.Entry(high.ID); e.OTP.Counter != 50 {
		t.Errorf("high counter = %d, want 50 (never lowered)", e.OTP.Counter)
	}
}
