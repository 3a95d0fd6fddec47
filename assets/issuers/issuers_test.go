package issuers_test

import (
	"encoding/xml"
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
	if shapes != 2 {
		t.Errorf("%d shape icons, want 2 (microsoft, apple)", shapes)
	}
}
