package cli_test

import (
	"testing"

	"github.com/tessera-auth/tessera/app/cli"
)

// A token value is printed as it is unless it holds characters a terminal
// acts on (an ESC sequence can retitle the window, write the clipboard or
// hide text; a bidi override reorders what follows); those are escaped,
// and then so is every backslash, so that the output reads back one way.
func TestTerminalSafe(t *testing.T) {
	for _, c := range []struct {
		in, want string
		escaped  bool
	}{
		{`ghp_abc\def/+=`, `ghp_abc\def/+=`, false},
		{"Zürich ☃ \ufffd", "Zürich ☃ \ufffd", false},
		{"a\x1b]52;c;QUFB\x07b", `a\x1b]52;c;QUFB\x07b`, true},
		{"nul\x00", `nul\x00`, true},
		{"del\x7f", `del\x7f`, true},
		{"c1\u009b", `c1\x9b`, true},
		{"rlo\u202eab", `rlo\u202eab`, true},
		{"ls\u2028", `ls\u2028`, true},
		{"bad\xffutf8", `bad\xffutf8`, true},
		{"back\\slash\x1b", `back\\slash\x1b`, true},
	} {
		got, escaped := cli.TerminalSafe(c.in)
		if got != c.want || escaped != c.escaped {
			t.Errorf("terminalSafe(%q) = %q, %v; want %q, %v", c.in, got, escaped, c.want, c.escaped)
		}
	}
	// list's cells: a name stored before names were checked cannot show
	// as another.
	if got := cli.Cell("Pay\u202eLAPyap\tx"); got != `Pay\u202eLAPyap x` {
		t.Errorf("cell = %q", got)
	}
}
