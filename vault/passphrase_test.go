package vault_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

func TestCheckPassphrase(t *testing.T) {
	for _, tc := range []struct {
		pass string
		want string // part of the error, "" when accepted
	}{
		{"correct horse", ""},
		{"12345678", ""},
		{"ünïcødé!", ""}, // 8 characters, more bytes
		{"1234567", "it has 7 characters, it needs at least 8"},
		{"pässwö", "it has 6 characters"},
		{"", "empty or only spaces"},
		{"          ", "empty or only spaces"},
		{"tab\tinside it", "control character"},
		{"bad\xffutf8 text", "not valid UTF-8"},
	} {
		err := vault.CheckPassphrase(tc.pass)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckPassphrase(%q) = %v, want nil", tc.pass, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckPassphrase(%q) = %v, want an error with %q", tc.pass, err, tc.want)
		case err != nil && !errors.Is(err, vault.ErrWeakPassphrase):
			t.Errorf("CheckPassphrase(%q) = %v, not an ErrWeakPassphrase", tc.pass, err)
		case err != nil && len(tc.pass) > 3 && strings.Contains(err.Error(), tc.pass):
			t.Errorf("the error %q repeats the passphrase", err)
		}
	}
}
