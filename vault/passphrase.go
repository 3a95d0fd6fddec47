package vault

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinPassphraseLen is the fewest characters (Unicode code points) a new
// passphrase may have. The window and the command line both apply it
// through [CheckPassphrase], so a vault made by one opens with the rules
// of the other.
const MinPassphraseLen = 8

// ErrWeakPassphrase is wrapped by the errors of [CheckPassphrase].
var ErrWeakPassphrase = errors.New("passphrase not accepted")

// CheckPassphrase reports whether p may become a vault's passphrase: at
// least [MinPassphraseLen] characters, not only spaces, and no control
// characters (which a terminal or a form would not type back the same
// way). The error says what to change and never holds the passphrase.
func CheckPassphrase(p string) error {
	n := utf8.RuneCountInString(p)
	switch {
	case !utf8.ValidString(p):
		return fmt.Errorf("%w: it is not valid UTF-8 text", ErrWeakPassphrase)
	case strings.TrimSpace(p) == "":
		return fmt.Errorf("%w: it is empty or only spaces", ErrWeakPassphrase)
	case n < MinPassphraseLen:
		return fmt.Errorf("%w: it has %d characters, it needs at least %d", ErrWeakPassphrase, n, MinPassphraseLen)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: it holds a control character (such as a tab)", ErrWeakPassphrase)
		}
	}
	return nil
}
