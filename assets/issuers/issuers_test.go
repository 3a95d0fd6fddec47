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
		name, svg, ok := issuers.Lookup(tc.issuer)
		if !ok || name != tc.want || len(svg) == 0 {
			t.Errorf("Lookup(%q) = %q, %d bytes, %v; want %q", tc.issuer, name, len(svg), ok, tc.want)
		}
	}
	for _, miss := range []string{"", "Acme Corp", "git"} {
		if name, _, ok := issuers.Lookup(miss); ok {
			t.Errorf("Lookup(%q) found %q, want no icon", miss, name)
		}
	}
}

// Every icon is well-formed XML, so the SVG rasterizer can draw it.
func TestIconsAreWellFormed(t *testing.T) {
	for _, n := range issuers.Names() {
		_, svg, ok := issuers.Lookup(n)
		if !ok {
			t.Fatalf("Lookup of canonical name %q failed", n)
		}
		var v struct{ XMLName xml.Name }
		if err := xml.Unmarshal(svg, &v); err != nil || v.XMLName.Local != "svg" {
			t.Errorf("icon %q: not an SVG document: %v", n, err)
		}
	}
}
