package cli

import (
	"strings"
	"testing"
)

// Names are printed so that they cannot pass for others: control and
// bidi characters escaped, tabs and line breaks made spaces.
func TestCellEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "-",
		"GitHub":              "GitHub",
		"a\tb\nc":             "a b c",
		"evil\u202Egnp.exe":   `evil\u202egnp.exe`,
		"bell\a":              `bell\x07`,
		"\u2066isolate\u2069": `\u2066isolate\u2069`,
		"東京":                  "東京",
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	for in, want := range map[string]int{
		"abc": 3, "東京": 4, "🐱": 2, "e\u0301": 1, "ｱ": 1, "Ｗ": 2,
	} {
		if got := displayWidth(in); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", in, got, want)
		}
	}
}

// The table lines up columns after wide characters, under the header.
func TestWriteTable(t *testing.T) {
	var b strings.Builder
	writeTable(&b, [][]string{listHeader, {"東京銀行", "🐱", "totp", "-", "0123"}, {"GitHub", "alice", "hotp", "work", "4567"}})
	want := "ISSUER    ACCOUNT  KIND  TAGS  ID\n" +
		"東京銀行  🐱       totp  -     0123\n" +
		"GitHub    alice    hotp  work  4567\n"
	if b.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

// Whatever is typed as a command, the suggestion is a verb or nothing,
// and the work stays bounded.
func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"lsit", "--version", "-h", "", "x", "ädd", strings.Repeat("a", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		s := suggest(typed)
		if s == "" {
			return
		}
		name, ok := strings.CutPrefix(s, "; did you mean 'tessera ")
		name, ok2 := strings.CutSuffix(name, "'?")
		if _, known := verbs[name]; !ok || !ok2 || !known {
			t.Fatalf("suggest(%q) = %q", typed, s)
		}
	})
}
