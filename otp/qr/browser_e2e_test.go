//go:build e2e

package qr_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/otp/qr/internal/peers"
)

// browserCode is how a page shows one QR code.
type browserCode struct {
	// px is the size of a module in device pixels: the code's CSS width is
	// its module count times px, divided by the device scale factor.
	px float64
	// perModule is true for an image of one pixel a module, which the
	// browser scales up (as sites that draw codes on a canvas or in tiny
	// PNGs show them); false for qr.Encode's image of 4 or more pixels a
	// module, which it scales down.
	perModule bool
	// rendering is the CSS image-rendering: "auto" (smooth resampling) or
	// "pixelated" (nearest neighbour).
	rendering string
}

// browserPage is one screenshot: a page with its codes, the window size in
// CSS pixels, the device scale factor and a dark mode.
type browserPage struct {
	name  string
	scale float64
	w, h  int
	// dark is "" for a light page, "invert" for the whole page under
	// filter: invert(1) hue-rotate(180deg) (a dark-mode extension's filter
	// mode, images included), "theme" for a dark page whose code image is
	// itself inverted (a site's dark theme), "force" for Chromium's own
	// automatic dark mode for web contents.
	dark  string
	codes []browserCode
}

// browserPages are the variants: every device scale factor with small
// codes smoothly scaled down, nearest-neighbour scaling, codes of one
// pixel a module scaled up (blurred by smooth upscaling), three kinds of
// dark mode, and two codes on one page.
var browserPages = []browserPage{
	{name: "dpr1-small-auto", scale: 1, w: 1366, h: 768, codes: []browserCode{{px: 2.3, rendering: "auto"}}},
	{name: "dpr1.25-small-auto", scale: 1.25, w: 1536, h: 864, codes: []browserCode{{px: 2.4, rendering: "auto"}}},
	{name: "dpr1.5-small-auto", scale: 1.5, w: 1280, h: 720, codes: []browserCode{{px: 2.2, rendering: "auto"}}},
	{name: "dpr2-small-auto", scale: 2, w: 1920, h: 1080, codes: []browserCode{{px: 2.5, rendering: "auto"}}},
	{name: "dpr1.25-small-pixelated", scale: 1.25, w: 1536, h: 864, codes: []browserCode{{px: 2.6, rendering: "pixelated"}}},
	{name: "dpr1.5-upscaled-auto", scale: 1.5, w: 1280, h: 720, codes: []browserCode{{px: 2.5, perModule: true, rendering: "auto"}}},
	{name: "dpr1.25-upscaled-pixelated", scale: 1.25, w: 1536, h: 864, codes: []browserCode{{px: 2.5, perModule: true, rendering: "pixelated"}}},
	{name: "dpr2-upscaled-auto", scale: 2, w: 1920, h: 1080, codes: []browserCode{{px: 3, perModule: true, rendering: "auto"}}},
	{name: "dpr1-dark-invert", scale: 1, w: 1366, h: 768, dark: "invert", codes: []browserCode{{px: 2.5, rendering: "auto"}}},
	{name: "dpr1.5-dark-invert", scale: 1.5, w: 1280, h: 720, dark: "invert", codes: []browserCode{{px: 2.4, perModule: true, rendering: "auto"}}},
	{name: "dpr1.25-dark-theme", scale: 1.25, w: 1536, h: 864, dark: "theme", codes: []browserCode{{px: 2.6, rendering: "auto"}}},
	{name: "dpr2-dark-force", scale: 2, w: 1920, h: 1080, dark: "force", codes: []browserCode{{px: 2.5, rendering: "auto"}}},
	{name: "dpr1.5-two", scale: 1.5, w: 1280, h: 720, codes: []browserCode{{px: 2.4, rendering: "auto"}, {px: 2.6, perModule: true, rendering: "pixelated"}}},
	{name: "dpr1.25-two-dark-invert", scale: 1.25, w: 1536, h: 864, dark: "invert", codes: []browserCode{{px: 2.5, perModule: true, rendering: "auto"}, {px: 2.8, rendering: "auto"}}},
}

// TestE2EBrowserScreenshots has headless Chromium render pages that show QR
// codes of random otpauth URIs (drawn by qr.Encode, embedded as PNG data
// URIs) the way people meet them: small inside a busy page, at fractional
// device scale factors, smoothly or pixelated, in dark modes, two on a
// page. Each screenshot must decode to exactly its URIs. zbarimg and
// ZXingReader read the same files, and a table of who read what is logged
// for comparison; the peers' results are not asserted.
func TestE2EBrowserScreenshots(t *testing.T) {
	chrome := findChromium(t)
	for _, p := range peers.All() {
		if err := p.Check(); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(20, 26))
	dir := t.ArtifactDir()
	var table []string
	for _, pg := range browserPages {
		var want []string
		var imgs []string
		for _, c := range pg.codes {
			cred := randomCredential(r)
			uri := otp.FormatURI(&cred)
			want = append(want, uri)
			imgs = append(imgs, codeTag(t, uri, c, pg))
		}
		page := filepath.Join(dir, pg.name+".html")
		if err := os.WriteFile(page, []byte(busyPage(r, pg, imgs)), 0o600); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(dir, pg.name+".png")
		screenshot(t, chrome, page, shot, pg)

		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", pg.name, err)
		}
		if wantW := int(float64(pg.w) * pg.scale); cfg.Width != wantW {
			t.Errorf("%s: screenshot is %d pixels wide, want %d: the scale factor was not applied", pg.name, cfg.Width, wantW)
		}
		got, err := qr.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", pg.name, err)
		}
		row := fmt.Sprintf("%-26s %-10s %8s", pg.name, fmt.Sprintf("%dx%d", cfg.Width, cfg.Height), score(got, want))
		if !sameTexts(got, want) {
			t.Errorf("%s: qr.Decode read %d texts (%s), want exactly the %d URIs shown; screenshot in %s",
				pg.name, len(got), score(got, want), len(want), shot)
		}
		for _, p := range peers.All() {
			texts, err := p.Read(shot)
			if err != nil {
				t.Fatal(err)
			}
			row += fmt.Sprintf(" %12s", score(texts, want))
		}
		table = append(table, row)
	}
	t.Logf("codes read of those shown (+N: texts not shown or read twice):\n%-26s %-10s %8s %12s %12s\n%s",
		"page", "pixels", "Tessera", "zbarimg", "ZXingReader", strings.Join(table, "\n"))
}

// sameTexts reports whether got holds each text of want exactly once and
// nothing else.
func sameTexts(got, want []string) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

// score says how many of want a reader found, as "found/shown", with
// "+N" for texts reported that were not shown or were reported twice. It
// never quotes a text: they hold secrets.
func score(got, want []string) string {
	found, extra := 0, 0
	seen := map[string]bool{}
	for _, g := range got {
		if !seen[g] && slices.Contains(want, g) {
			found++
		} else {
			extra++
		}
		seen[g] = true
	}
	s := fmt.Sprintf("%d/%d", found, len(want))
	if extra > 0 {
		s += fmt.Sprintf("+%d", extra)
	}
	return s
}

// findChromium returns the Chromium binary, failing the test with what to
// install when there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: install Debian's chromium package (make test-deps)")
	return ""
}

// screenshot has a fresh headless Chromium load page and save what it
// shows, at pg's window size and device scale factor, as a PNG in out.
func screenshot(t *testing.T, chrome, page, out string, pg browserPage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
		"--screenshot=" + out,
		fmt.Sprintf("--window-size=%d,%d", pg.w, pg.h),
		"--force-device-scale-factor=" + strconv.FormatFloat(pg.scale, 'f', -1, 64),
	}
	if pg.dark == "force" {
		args = append(args, "--force-dark-mode", "--enable-features=WebContentsForceDark")
	}
	cmd := exec.CommandContext(ctx, chrome, append(args, "file://"+page)...)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	log, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: chromium: %v\n%s", pg.name, err, tail(log, 2000))
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("%s: chromium wrote no screenshot: %v\n%s", pg.name, err, tail(log, 2000))
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// codeTag returns the <img> element that shows uri's code as c asks.
func codeTag(t *testing.T, uri string, c browserCode, pg browserPage) string {
	t.Helper()
	modules := perModule(t, uri)
	var img image.Image = modules
	if !c.perModule {
		code, err := qr.Encode(uri)
		if err != nil {
			t.Fatal(err)
		}
		img = code
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	css := float64(modules.Rect.Dx()) * c.px / pg.scale
	style := fmt.Sprintf("width:%.2fpx;height:%.2fpx;image-rendering:%s", css, css, c.rendering)
	if pg.dark == "theme" {
		style += ";filter:invert(1)"
	}
	return fmt.Sprintf(`<img class="qr" alt="QR code" style="%s" src="data:image/png;base64,%s">`,
		style, base64.StdEncoding.EncodeToString(buf.Bytes()))
}

var pageWords = strings.Fields(`account security two-factor authentication scan the code with your
app enter six-digit verify settings profile recovery keys save continue cancel help password sign in
device trusted backup download email notifications billing privacy sessions tokens organization
repositories billing plans developer applications webhooks integrations audit log`)

// busyPage returns a settings page as sites show their two-factor set-up:
// a header bar, a side bar of links, paragraphs, a table, buttons, and a
// card for each code in imgs, placed at a random fractional offset.
func busyPage(r *rand.Rand, pg browserPage, imgs []string) string {
	words := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = pageWords[r.IntN(len(pageWords))]
		}
		return strings.Join(w, " ")
	}
	bg, panel, text, border, bar := "#f6f8fa", "#ffffff", "#1f2328", "#d0d7de", "#24292f"
	if pg.dark == "theme" {
		bg, panel, text, border, bar = "#0d1117", "#161b22", "#e6edf3", "#30363d", "#010409"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html%s><head><meta charset="utf-8"><title>Two-factor authentication</title><style>
html.invert{filter:invert(1) hue-rotate(180deg)}
body{margin:0;font:14px/1.5 sans-serif;color:%s;background:%s}
header{height:56px;background:%s;color:#f0f6fc;display:flex;align-items:center;gap:22px;padding:0 24px}
header b{font-size:18px} header input{margin-left:auto;width:260px;padding:5px;border-radius:6px;border:1px solid #555;background:#0d1117;color:#fff}
nav{position:absolute;top:56px;left:0;width:230px;padding:16px 12px;border-right:1px solid %s;background:%s;min-height:2000px}
nav a{display:block;padding:5px 8px;color:inherit;text-decoration:none;border-radius:6px} nav a.on{background:%s;font-weight:600}
main{margin-left:270px;padding:20px 32px;max-width:980px}
.card{background:%s;border:1px solid %s;border-radius:8px;padding:16px 20px;margin:14px 0}
.row{display:flex;gap:24px;align-items:flex-start}
button{background:#1f883d;color:#fff;border:0;border-radius:6px;padding:6px 14px;font-weight:600;margin-right:8px}
button.alt{background:%s;color:%s;border:1px solid %s}
table{border-collapse:collapse;width:100%%} td{border-top:1px solid %s;padding:6px} code{font-size:13px}
.avatar{width:32px;height:32px;border-radius:50%%;background:linear-gradient(135deg,#8250df,#bf3989)}
</style></head><body>`, map[bool]string{true: ` class="invert"`}[pg.dark == "invert"],
		text, bg, bar, border, panel, border, panel, border, panel, text, border, border)
	fmt.Fprintf(&b, `<header><b>Example</b><span>%s</span><span>%s</span><span>%s</span><input placeholder="Search or jump to..."><div class="avatar"></div></header>`,
		words(1), words(1), words(2))
	b.WriteString("<nav>")
	for i := 0; i < 18; i++ {
		class := ""
		if i == 5 {
			class = ` class="on"`
		}
		fmt.Fprintf(&b, `<a href="#"%s>%s</a>`, class, words(1+r.IntN(2)))
	}
	b.WriteString("</nav><main><h2>Two-factor authentication</h2>")
	fmt.Fprintf(&b, "<p>%s.</p>", words(30+r.IntN(20)))
	for i, img := range imgs {
		fmt.Fprintf(&b, `<div class="card"><h3>Step %d: scan the QR code</h3><div class="row"><div style="margin-left:%.2fpx;margin-top:%.2fpx">%s</div><div><p>%s.</p><p>Can't scan? Enter this key: <code>%s</code></p><button>Continue</button><button class="alt">Cancel</button></div></div></div>`,
			i+1, 5+40*r.Float64(), 3*r.Float64(), img, words(25+r.IntN(15)), fakeKey(r))
		fmt.Fprintf(&b, "<p>%s.</p>", words(15+r.IntN(20)))
	}
	b.WriteString("<table>")
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td><button class=\"alt\">%s</button></td></tr>", words(2), words(4), words(1))
	}
	b.WriteString("</table>")
	fmt.Fprintf(&b, "<p>%s.</p></main></body></html>", words(60))
	return b.String()
}

// fakeKey returns a setup key shown beside a code, which the code does not
// hold: screenshots show no secret in clear beside the code they test.
func fakeKey(r *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	for i := 0; i < 32; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}
