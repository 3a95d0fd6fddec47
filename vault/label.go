package vault

import (
	"fmt"
	"unicode"
)

// CheckLabel reports why s cannot name an entry (issuer, account or tag),
// or nil. Control characters and the invisible characters that reorder
// text (bidi overrides, embeddings, isolates and marks) are refused: a
// name holding U+202E shows its end backwards, so `list` or the window
// could show one entry under the name of another. Callers that show a
// name as it is typed (the GUI) call it to explain at once; [Vault.Add]
// and [Vault.Update] call it on every entry.
func CheckLabel(s string) error {
	pos := 0
	for _, r := range s {
		pos++
		switch {
		case r == unicode.ReplacementChar:
			// Invalid UTF-8 is reported by the caller's own check.
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp):
			return fmt.Errorf("character %d is a control character (U+%04X); names hold printable text only", pos, r)
		case isBidiControl(r):
			return fmt.Errorf("character %d is U+%04X, an invisible character that reorders text, so the name could show as another; remove it", pos, r)
		}
	}
	return nil
}

// isBidiControl reports whether r is one of Unicode's bidirectional
// formatting characters (Bidi_Control), which change the order in which
// the characters around them are shown.
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}

// checkTokenValue refuses control characters in a token value: a value is
// printed to terminals, where ESC sequences act, and no API token holds
// them.
func checkTokenValue(v []byte) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("the token value holds a control character (byte %d, 0x%02x); API tokens are printable text", i+1, c)
		}
	}
	return nil
}
