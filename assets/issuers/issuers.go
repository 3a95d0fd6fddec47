// Package issuers is Tessera's small bundled set of issuer icons: for the
// brands in simple-icons (CC0; simpleicons.json, refreshed from the pinned
// npm package by `make icons`, see SIMPLE-ICONS-LICENSE.md), the brand's
// logo on a tile in its colour; for the others a tile in the service's
// colour with its initials or a simple shape drawn for the project. The
// app draws initials itself, so they use the app's font; logos and shapes
// come as SVG.
//
// Like the rest of assets it holds plain data and never imports Fyne.
package issuers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// simpleIconsJSON is the vendored subset of simple-icons.
//
//go:embed simpleicons.json
var simpleIconsJSON []byte

// logo is one simple-icons entry: brand colour (rrggbb) and 24x24 path.
type logo struct {
	Slug, Title, Hex, Path string
}

// logos returns the vendored simple-icons by slug.
var logos = sync.OnceValue(func() map[string]logo {
	var f struct{ Icons []logo }
	if err := json.Unmarshal(simpleIconsJSON, &f); err != nil {
		panic("issuers: simpleicons.json: " + err.Error()) // the file is part of the binary
	}
	m := make(map[string]logo, len(f.Icons))
	for _, l := range f.Icons {
		m[l.Slug] = l
	}
	return m
})

// icon is one bundled icon: the tile colour, the glyph and the issuer names
// it stands for (lower case; the first is its canonical name).
type icon struct {
	names []string
	bg    string
	fg    string
	glyph string
}

var icons = []icon{
	{[]string{"amazon", "amazon web services", "aws"}, "#232f3e", "#ff9900", "a"},
	{[]string{"apple", "icloud", "apple id"}, "#1d1d1f", "#ffffff", "A"},
	{[]string{"atlassian", "jira", "confluence", "bitbucket"}, "#0052cc", "#ffffff", "A"},
	{[]string{"binance"}, "#181a20", "#f0b90b", "B"},
	{[]string{"bitwarden"}, "#175ddc", "#ffffff", "B"},
	{[]string{"cloudflare"}, "#f38020", "#ffffff", "CF"},
	{[]string{"coinbase"}, "#0052ff", "#ffffff", "C"},
	{[]string{"digitalocean"}, "#0080ff", "#ffffff", "DO"},
	{[]string{"discord"}, "#5865f2", "#ffffff", "D"},
	{[]string{"docker", "docker hub"}, "#1d63ed", "#ffffff", "D"},
	{[]string{"dropbox"}, "#0061fe", "#ffffff", "Db"},
	{[]string{"facebook", "meta"}, "#0866ff", "#ffffff", "f"},
	{[]string{"github"}, "#24292f", "#ffffff", "GH"},
	{[]string{"gitlab"}, "#fc6d26", "#ffffff", "GL"},
	{[]string{"google", "gmail", "google cloud"}, "#ffffff", "#4285f4", "G"},
	{[]string{"heroku"}, "#430098", "#ffffff", "H"},
	{[]string{"instagram"}, "#e1306c", "#ffffff", "Ig"},
	{[]string{"linkedin"}, "#0a66c2", "#ffffff", "in"},
	{[]string{"microsoft", "outlook", "azure", "office 365", "xbox"}, "#ffffff", "#737373", "M"},
	{[]string{"mozilla", "firefox"}, "#000000", "#ffffff", "M"},
	{[]string{"nextcloud"}, "#0082c9", "#ffffff", "N"},
	{[]string{"npm", "npmjs"}, "#cb3837", "#ffffff", "npm"},
	{[]string{"paypal"}, "#003087", "#ffffff", "P"},
	{[]string{"proton", "protonmail", "proton mail"}, "#6d4aff", "#ffffff", "P"},
	{[]string{"pypi"}, "#3775a9", "#ffd343", "Py"},
	{[]string{"reddit"}, "#ff4500", "#ffffff", "r"},
	{[]string{"slack"}, "#4a154b", "#ffffff", "#"},
	{[]string{"steam"}, "#171a21", "#ffffff", "S"},
	{[]string{"tailscale"}, "#242424", "#ffffff", "ts"},
	{[]string{"twitch"}, "#9146ff", "#ffffff", "T"},
	{[]string{"x", "twitter"}, "#000000", "#ffffff", "X"},
}

// Icon is one bundled issuer icon.
type Icon struct {
	Name       string      // canonical issuer name, lower case
	Background color.NRGBA // tile colour
	Foreground color.NRGBA // glyph colour
	Glyph      string      // one to three characters drawn on the tile
	SVG        []byte      // the whole icon as SVG, for icons that are shapes; nil otherwise
}

// Names returns the canonical names of the bundled icons, sorted.
func Names() []string {
	out := make([]string, 0, len(icons))
	for _, ic := range icons {
		out = append(out, ic.names[0])
	}
	slices.Sort(out)
	return out
}

// Lookup returns the icon for issuer, matched without regard to case, spaces
// at the ends, a leading "www." or a domain suffix such as ".com". ok is
// false when no bundled icon fits.
func Lookup(issuer string) (Icon, bool) {
	key := normalize(issuer)
	if key == "" {
		return Icon{}, false
	}
	for _, ic := range icons {
		if slices.Contains(ic.names, key) {
			return Icon{Name: ic.names[0], Background: hex(ic.bg), Foreground: hex(ic.fg), Glyph: ic.glyph, SVG: ic.svg()}, true
		}
	}
	return Icon{}, false
}

// normalize lower-cases s, trims it, and drops a leading "www." and a final
// domain suffix, so "GitHub.com" finds "github".
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "www.")
	if i := strings.LastIndexByte(s, '.'); i > 0 && !strings.Contains(s[:i], " ") {
		s = s[:i]
	}
	return s
}

// luminance is a colour's relative luminance, 0 (black) to 1 (white).
func luminance(c color.NRGBA) float64 {
	return (0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)) / 255
}

// hex reads a colour written #rrggbb; an empty string is transparent.
func hex(s string) color.NRGBA {
	var c color.NRGBA
	if len(s) == 7 {
		v, _ := strconv.ParseUint(s[1:], 16, 32)
		c = color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
	}
	return c
}

// svg draws the icons that are logos or shapes rather than glyphs: a
// simple-icons logo on a tile of its brand colour, the four Microsoft
// squares.
func (ic icon) svg() []byte {
	var body string
	if l, ok := logos()[ic.names[0]]; ok {
		bg := hex("#" + l.Hex)
		fg := "#ffffff"
		if luminance(bg) > 0.6 {
			fg = "#000000"
		}
		if luminance(bg) < 0.02 {
			bg = hex(ic.bg) // black brands keep their near-black tile, which shows on a dark theme
		}
		// The logo's 24x24 box with a margin of 6 around it, drawn
		// without transforms, which Fyne's SVG reader mishandles.
		body = fmt.Sprintf(`<rect x="-6" y="-6" width="36" height="36" rx="7" fill="#%02x%02x%02x"/>`, bg.R, bg.G, bg.B) +
			fmt.Sprintf(`<path fill="%s" d="%s"/>`, fg, l.Path)
		return []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="-6 -6 36 36">` + body + `</svg>`)
	}
	switch ic.names[0] {
	case "microsoft":
		body = `<rect width="64" height="64" rx="12" fill="#ffffff"/>` +
			`<rect x="10" y="10" width="21" height="21" fill="#f25022"/><rect x="33" y="10" width="21" height="21" fill="#7fba00"/>` +
			`<rect x="10" y="33" width="21" height="21" fill="#00a4ef"/><rect x="33" y="33" width="21" height="21" fill="#ffb900"/>`
	case "apple":
		body = `<rect width="64" height="64" rx="12" fill="#1d1d1f"/>` +
			`<circle cx="32" cy="37" r="17" fill="#ffffff"/><circle cx="49" cy="30" r="7" fill="#1d1d1f"/>` +
			`<ellipse cx="36" cy="14" rx="4" ry="8" transform="rotate(35 36 14)" fill="#ffffff"/>`
	default:
		return nil
	}
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` + body + `</svg>`)
}
