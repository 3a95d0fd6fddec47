package gui

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"

	"github.com/tessera-auth/tessera/app/iconpack"
	"github.com/tessera-auth/tessera/assets/issuers"
	"github.com/tessera-auth/tessera/vault"
)

// Icon references stored in vault.Entry.Icon. Empty means automatic: the
// bundled icon for the issuer, else an imported pack's, else the monogram.
const (
	iconRefNone    = "none"
	iconRefBuiltin = "builtin:"
)

// iconPackFolder is where imported Aegis icon packs are kept, inside the
// app's storage.
const iconPackFolder = "iconpacks"

// icons finds the icon of an entry: bundled issuer icons and imported Aegis
// icon packs, with the images cached.
type icons struct {
	app   fyne.App
	packs []*iconpack.Pack
	cache map[string]fyne.Resource // key -> pack image, nil for "none found"
}

// look is how an entry's icon is drawn: an image, a bundled tile with a
// glyph, or (zero value) the monogram.
type look struct {
	image fyne.Resource
	tile  *issuers.Icon
}

func newIcons(a fyne.App) *icons {
	ic := &icons{app: a, cache: map[string]fyne.Resource{}}
	ic.loadPacks()
	return ic
}

// packDir returns the folder of imported packs.
func (ic *icons) packDir() (fyne.URI, error) {
	root := ic.app.Storage().RootURI()
	if root == nil {
		return nil, fmt.Errorf("this system offers no app storage for icon packs")
	}
	return storage.Child(root, iconPackFolder)
}

// loadPacks reads the imported packs. A damaged pack is skipped: icons are
// decoration, never a reason not to start.
func (ic *icons) loadPacks() {
	dir, err := ic.packDir()
	if err != nil {
		return
	}
	list, err := storage.List(dir)
	if err != nil {
		return
	}
	for _, u := range list {
		if !strings.HasSuffix(u.Name(), ".zip") {
			continue
		}
		if p, err := readPack(u); err == nil {
			ic.packs = append(ic.packs, p)
		}
	}
}

func readPack(u fyne.URI) (*iconpack.Pack, error) {
	r, err := storage.Reader(u)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, iconpack.MaxPackSize+1))
	if err != nil {
		return nil, err
	}
	return iconpack.Read(data)
}

// importPack checks an Aegis icon pack and keeps a copy in the app's
// storage; it replaces an earlier import of the same pack.
func (ic *icons) importPack(data []byte) (*iconpack.Pack, error) {
	p, err := iconpack.Read(data)
	if err != nil {
		return nil, err
	}
	dir, err := ic.packDir()
	if err != nil {
		return nil, err
	}
	if err := storage.CreateListable(dir); err != nil {
		if ok, _ := storage.Exists(dir); !ok {
			return nil, fmt.Errorf("creating the icon pack folder: %w", err)
		}
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, p.UUID)
	dst, err := storage.Child(dir, safe+".zip")
	if err != nil {
		return nil, err
	}
	w, err := storage.Writer(dst)
	if err != nil {
		return nil, fmt.Errorf("saving the icon pack: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return nil, fmt.Errorf("saving the icon pack: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("saving the icon pack: %w", err)
	}
	kept := ic.packs[:0]
	for _, old := range ic.packs {
		if old.UUID != p.UUID {
			kept = append(kept, old)
		}
	}
	ic.packs = append(kept, p)
	clear(ic.cache)
	return p, nil
}

// forEntry returns how to draw e's icon.
func (ic *icons) forEntry(e *vault.Entry) look {
	switch {
	case e.Icon == iconRefNone:
		return look{}
	case strings.HasPrefix(e.Icon, iconRefBuiltin):
		return builtin(strings.TrimPrefix(e.Icon, iconRefBuiltin))
	}
	// An installed Aegis icon pack wins over the bundled icons; both are
	// matched on the issuer, the otpauth URI's issuer and a token's URL.
	names := iconNames(e)
	for _, n := range names {
		if img := ic.fromPacks(n); img != nil {
			return look{image: img}
		}
	}
	for _, n := range names {
		if l := builtin(n); l.tile != nil {
			return l
		}
	}
	return look{}
}

// iconNames returns what an entry's icon is looked up by: its issuer, its
// otpauth URI's issuer if that differs, and a token's site (the domain of
// its URL: ci.github.com gives github.com).
func iconNames(e *vault.Entry) []string {
	names := []string{e.Issuer}
	if e.Kind == vault.KindOTP && e.OTP.Issuer != "" && !strings.EqualFold(e.OTP.Issuer, e.Issuer) {
		names = append(names, e.OTP.Issuer)
	}
	if u, err := url.Parse(e.Token.URL); e.Kind == vault.KindToken && err == nil && u.Hostname() != "" {
		labels := strings.Split(u.Hostname(), ".")
		names = append(names, strings.Join(labels[max(len(labels)-2, 0):], "."))
	}
	return names
}

func builtin(issuer string) look {
	icon, ok := issuers.Lookup(issuer)
	if !ok {
		return look{}
	}
	if icon.SVG != nil {
		return look{image: fyne.NewStaticResource(icon.Name+".svg", icon.SVG), tile: &icon}
	}
	return look{tile: &icon}
}

func (ic *icons) fromPacks(issuer string) fyne.Resource {
	key := "pack:" + strings.ToLower(issuer)
	if res, ok := ic.cache[key]; ok {
		return res
	}
	var res fyne.Resource
	for _, p := range ic.packs {
		if m, ok := p.Match(issuer); ok {
			if img, err := p.Image(m); err == nil {
				name := m.Filename[strings.LastIndexByte(m.Filename, '/')+1:]
				res = fyne.NewStaticResource(name, img)
				break
			}
		}
	}
	ic.cache[key] = res
	return res
}
