package iconpack_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/iconpack"
)

func makeZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const packJSON = `{"uuid":"9f2c","name":"Test icons","version":3,"icons":[
 {"filename":"icons/google.svg","name":"Google","category":"Search","issuer":["google","Gmail"]},
 {"filename":"icons/gh.png","name":"GitHub","issuer":["github"]}]}`

func TestReadAndMatch(t *testing.T) {
	data := makeZip(t, map[string]string{
		"pack.json":        packJSON,
		"icons/google.svg": "<svg/>",
		"icons/gh.png":     "\x89PNG",
	})
	p, err := iconpack.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Test icons" || p.Version != 3 || len(p.Icons) != 2 {
		t.Fatalf("pack = %+v", p)
	}
	for _, tc := range []struct{ issuer, want string }{
		{"Google", "Google"},
		{"gmail", "Google"},
		{"GitHub Enterprise", "GitHub"},
		{"github.com", "GitHub"},
	} {
		ic, ok := p.Match(tc.issuer)
		if !ok || ic.Name != tc.want {
			t.Errorf("Match(%q) = %q, %v; want %q", tc.issuer, ic.Name, ok, tc.want)
		}
	}
	if ic, ok := p.Match("Acme"); ok {
		t.Errorf("Match(Acme) = %q, want none", ic.Name)
	}
	ic, _ := p.Match("google")
	img, err := p.Image(ic)
	if err != nil || string(img) != "<svg/>" {
		t.Fatalf("Image = %q, %v", img, err)
	}
}

func TestReadRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"not zip":      {[]byte("hello"), "not a ZIP"},
		"no index":     {makeZip(t, map[string]string{"a.svg": "x"}), "no pack.json"},
		"bad json":     {makeZip(t, map[string]string{"pack.json": "{"}), "pack.json"},
		"missing file": {makeZip(t, map[string]string{"pack.json": packJSON}), `names file "icons/`},
		"no uuid":      {makeZip(t, map[string]string{"pack.json": `{"name":"x"}`}), "uuid"},
		"not image": {makeZip(t, map[string]string{"pack.json": `{"uuid":"u","name":"n","icons":[{"filename":"a.exe","issuer":["a"]}]}`, "a.exe": ""}),
			"not an SVG"},
	} {
		_, err := iconpack.Read(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", name, err, tc.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(makeZip(f, map[string]string{"pack.json": packJSON, "icons/google.svg": "<svg/>", "icons/gh.png": "x"}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := iconpack.Read(data)
		if err != nil {
			return
		}
		for _, ic := range p.Icons {
			p.Image(ic)
			p.Match(ic.Name)
		}
	})
}
