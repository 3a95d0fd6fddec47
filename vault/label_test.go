package vault_test

import (
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// Names that could show as another entry's (bidi overrides, isolates,
// marks) or act on a terminal (control characters) are refused, by Add and
// Update alike, with a message that says which character and where; token
// values with control characters too.
func TestUnsafeLabels(t *testing.T) {
	v, _, _ := newVault(t)
	ok := mustAdd(t, v, totp("GitHub", "alice", 1))
	for _, c := range []struct {
		name string
		edit func(e *vault.Entry)
		want string
	}{
		{"RLO in issuer", func(e *vault.Entry) { e.Issuer = "Pay\u202eLAPyap" }, "U+202E"},
		{"isolate in account", func(e *vault.Entry) { e.Account = "bob\u2067x" }, "U+2067"},
		{"RLM in account", func(e *vault.Entry) { e.Account = "\u200fbob" }, "U+200F"},
		{"ESC in issuer", func(e *vault.Entry) { e.Issuer = "a\x1b[2Jb" }, "U+001B"},
		{"NUL in account", func(e *vault.Entry) { e.Account = "a\x00" }, "U+0000"},
		{"C1 control", func(e *vault.Entry) { e.Issuer = "a\u009bb" }, "U+009B"},
		{"line separator", func(e *vault.Entry) { e.Issuer = "a\u2028b" }, "U+2028"},
		{"tag", func(e *vault.Entry) { e.Tags = []string{"ok", "x\u202dy"} }, "U+202D"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := totp("I", "a", 7)
			c.edit(&e)
			_, err := v.Add(e)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("add: got %v, want an error naming %s", err, c.want)
			}
			u, _ := v.Entry(ok.ID)
			c.edit(&u)
			if err := v.Update(u); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("update: got %v, want an error naming %s", err, c.want)
			}
		})
	}
	// Names in any script, with their own direction, are fine.
	for _, name := range []string{"שלום", "مرحبا", "Zürich – ☃", "名前"} {
		if _, err := v.Add(totp(name, name, len(name))); err != nil {
			t.Errorf("add %q: %v", name, err)
		}
	}
	for _, val := range []string{"Sekr\x00et", "Sekr\x1b]52;c;AAAA\x07", "Sekr\nb", "Sekr\x7f"} {
		_, err := v.Add(vault.Entry{Kind: vault.KindToken, Issuer: "T", Token: vault.Token{Value: []byte(val)}})
		if err == nil || !strings.Contains(err.Error(), "control character") {
			t.Errorf("token value %q: got %v, want it refused", val, err)
		}
		if err != nil && strings.Contains(err.Error(), "Sekr") {
			t.Errorf("the error quotes the value: %v", err)
		}
	}
}
