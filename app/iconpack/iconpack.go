// Package iconpack reads Aegis icon packs: ZIP files holding a pack.json
// index and the icon images it names, matched to entries by issuer.
//
// The format is Aegis Authenticator's
// (https://github.com/beemdevelopment/Aegis/blob/master/docs/iconpacks.md):
//
//	{"uuid": "...", "name": "...", "version": 1,
//	 "icons": [{"filename": "icons/Google.svg", "name": "Google",
//	            "category": "...", "issuer": ["google"]}]}
//
// Packs come from anywhere, so every size is capped and every error names
// what was wrong. The package never imports Fyne.
package iconpack

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Limits on untrusted packs.
const (
	MaxPackSize  = 64 << 20 // bytes of the ZIP file
	MaxIndexSize = 4 << 20  // bytes of pack.json
	MaxIconSize  = 1 << 20  // bytes of one icon file
	MaxIcons     = 20000
)

// Pack is an icon pack read into memory.
type Pack struct {
	UUID    string
	Name    string
	Version int
	Icons   []Icon

	files map[string]*zip.File
}

// Icon is one image of a pack.
type Icon struct {
	Filename string   // path inside the ZIP
	Name     string   // the service's name as the pack spells it
	Category string   // may be empty
	Issuers  []string // issuer names it stands for, lower case
}

type index struct {
	UUID    string `json:"uuid"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	Icons   []struct {
		Filename string   `json:"filename"`
		Name     string   `json:"name"`
		Category string   `json:"category"`
		Issuer   []string `json:"issuer"`
	} `json:"icons"`
}

// Read parses an icon pack from the bytes of its ZIP file.
func Read(data []byte) (*Pack, error) {
	if len(data) > MaxPackSize {
		return nil, fmt.Errorf("icon pack is %d MiB, more than the %d MiB allowed", len(data)>>20, MaxPackSize>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("icon pack is not a ZIP file: %w", err)
	}
	p := &Pack{files: map[string]*zip.File{}}
	var indexFile *zip.File
	for _, f := range zr.File {
		if f.Name == "pack.json" {
			indexFile = f
		}
		p.files[f.Name] = f
	}
	if indexFile == nil {
		return nil, errors.New("icon pack has no pack.json at its top level: is it an Aegis icon pack?")
	}
	raw, err := readCapped(indexFile, MaxIndexSize)
	if err != nil {
		return nil, fmt.Errorf("icon pack: pack.json: %w", err)
	}
	var ix index
	if err := json.Unmarshal(raw, &ix); err != nil {
		return nil, fmt.Errorf("icon pack: pack.json: %w", err)
	}
	if ix.UUID == "" || ix.Name == "" {
		return nil, errors.New("icon pack: pack.json: uuid and name must be set")
	}
	if len(ix.Icons) > MaxIcons {
		return nil, fmt.Errorf("icon pack: pack.json lists %d icons, more than the %d allowed", len(ix.Icons), MaxIcons)
	}
	p.UUID, p.Name, p.Version = ix.UUID, ix.Name, ix.Version
	for i, ic := range ix.Icons {
		if _, ok := p.files[ic.Filename]; !ok {
			return nil, fmt.Errorf("icon pack: pack.json: icon %d (%q) names file %q, which the ZIP does not hold", i+1, ic.Name, ic.Filename)
		}
		if !isImage(ic.Filename) {
			return nil, fmt.Errorf("icon pack: pack.json: icon %d (%q): %q is not an SVG, PNG or JPEG file", i+1, ic.Name, ic.Filename)
		}
		issuers := make([]string, 0, len(ic.Issuer))
		for _, is := range ic.Issuer {
			if is = strings.ToLower(strings.TrimSpace(is)); is != "" {
				issuers = append(issuers, is)
			}
		}
		p.Icons = append(p.Icons, Icon{Filename: ic.Filename, Name: ic.Name, Category: ic.Category, Issuers: issuers})
	}
	return p, nil
}

func isImage(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".svg", ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

func readCapped(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d allowed", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is more than the %d bytes allowed", f.Name, limit)
	}
	return b, nil
}

// Match returns the icon for issuer: one whose issuer list holds the issuer
// (ignoring case), else one whose list holds a word of it. ok is false if
// none fits.
func (p *Pack) Match(issuer string) (Icon, bool) {
	key := strings.ToLower(strings.TrimSpace(issuer))
	if key == "" {
		return Icon{}, false
	}
	for _, ic := range p.Icons {
		for _, is := range ic.Issuers {
			if is == key {
				return ic, true
			}
		}
	}
	words := strings.FieldsFunc(key, func(r rune) bool { return r == ' ' || r == '.' || r == '-' || r == '_' })
	for _, ic := range p.Icons {
		for _, is := range ic.Issuers {
			for _, w := range words {
				if is == w {
					return ic, true
				}
			}
		}
	}
	return Icon{}, false
}

// Image returns the bytes of an icon's file.
func (p *Pack) Image(ic Icon) ([]byte, error) {
	f, ok := p.files[ic.Filename]
	if !ok {
		return nil, fmt.Errorf("icon pack %s has no file %q", p.Name, ic.Filename)
	}
	return readCapped(f, MaxIconSize)
}
