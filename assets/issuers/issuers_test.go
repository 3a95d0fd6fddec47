package issuers_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/assets/issuers"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct{ issuer, want string }{
		{"GitHub", "github"},
		{" github.com ", "github"},
		{"www.GitLab.com", "gitlab"},
		{"Amazon Web Services", "amazon"},
		{"Outlook", "microsoft"},
	} {
		ic, ok := issuers.Lookup(tc.issuer)
		if !ok || ic.Name != tc.want || (ic.Glyph == "" && ic.SVG == nil) || ic.Background.A != 0xff {
			t.Errorf("Lookup(%q) = %+v, %v; want %q with a glyph or shape", tc.issuer, ic, ok, tc.want)
		}
	}
	for _, miss := range []string{"", "Acme Corp", "git"} {
		if ic, ok := issuers.Lookup(miss); ok {
			t.Errorf("Lookup(%q) found %q, want no icon", miss, ic.Name)
		}
	}
}

// Every icon has a glyph or is a well-formed SVG shape.
func TestIconsAreWellFormed(t *testing.T) {
	shapes := 0
	for _, n := range issuers.Names() {
		ic, ok := issuers.Lookup(n)
		if !ok {
			t.Fatalf("Lookup of canonical name %q failed", n)
		}
		if ic.SVG == nil {
			if ic.Glyph == "" || ic.Foreground.A != 0xff {
				t.Errorf("icon %q has neither a shape nor a visible glyph", n)
			}
			continue
		}
		shapes++
		var v struct{ XMLName xml.Name }
		if err := xml.Unmarshal(ic.SVG, &v); err != nil || v.XMLName.Local != "svg" {
			t.Errorf("icon %q: not an SVG document: %v", n, err)
		}
	}
	// Every vendored simple-icons logo is drawn, plus Microsoft's squares.
	if want := len(slugs(t)) + 1; shapes != want {
		t.Errorf("%d logo and shape icons, want %d", shapes, want)
	}
}

// slugs returns the slugs simpleicons.txt lists.
func slugs(t *testing.T) []string {
	b, err := os.ReadFile("simpleicons.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// The vendored simple-icons are those simpleicons.txt lists (make icons
// was run after editing it), each a logo with a brand colour, and each
// drawn for the issuer of its name.
func TestSimpleIconsSubset(t *testing.T) {
	var f struct {
		Source string
		Icons  []struct{ Slug, Hex, Path string }
	}
	b, err := os.ReadFile("simpleicons.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ic := range f.Icons {
		got = append(got, ic.Slug)
		if len(ic.Hex) != 6 || !strings.HasPrefix(strings.ToUpper(ic.Path), "M") {
			t.Errorf("%s: colour %q, path %.10q", ic.Slug, ic.Hex, ic.Path)
		}
		l, ok := issuers.Lookup(ic.Slug)
		if !ok || !strings.Contains(string(l.SVG), ic.Path) {
			t.Errorf("%s: the issuer's icon does not draw the logo", ic.Slug)
		}
	}
	if want := slugs(t); !slices.Equal(got, want) {
		t.Fatalf("simpleicons.json holds %v, simpleicons.txt lists %v: run make icons", got, want)
	}
	if !strings.HasPrefix(f.Source, "simple-icons 16.") {
		t.Fatalf("source %q", f.Source)
	}
	if _, err := os.Stat("SIMPLE-ICONS-LICENSE.md"); err != nil {
		t.Fatal("the licence of the vendored icons is missing")
	}
}
