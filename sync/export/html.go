package export

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image/png"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/vault"
)

// paperCSS lays the page out for printing on A4 and US Letter alike: the
// content is narrower than both (186 mm: A4's 210 mm less 12 mm margins),
// and each entry is an unbreakable inline box, two to a line, so that no
// entry or code is ever split across pages.
const paperCSS = `@page { margin: 12mm; }
html { font: 9.5pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #000; background: #fff; }
body { margin: 0 auto; max-width: 186mm; }
h1 { font-size: 15pt; margin: 0 0 1mm; }
.intro { margin: 0 0 4mm; }
.intro p { margin: 0.8mm 0; }
.entry { display: inline-block; box-sizing: border-box; width: 91mm; min-height: 44mm; margin: 0 1.5mm 3mm 0;
  vertical-align: top; border: 0.3mm solid #777; border-radius: 2mm; padding: 2.5mm;
  break-inside: avoid; page-break-inside: avoid; }
.entry img { float: left; width: 38mm; height: 38mm; margin: 0 2.5mm 1mm 0; image-rendering: pixelated; }
.entry .name { font-weight: bold; font-size: 10.5pt; overflow-wrap: anywhere; }
.entry .account, .entry .params, .entry .tags, .entry .note { overflow-wrap: anywhere; }
.entry .params, .entry .tags { color: #333; font-size: 8.5pt; }
.entry .secret { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; margin-top: 1mm; }
.entry .note { font-size: 8pt; font-style: italic; clear: left; }
@media screen { body { padding: 8mm; } }
`

// HTML writes a printable paper backup of every live entry: a page with
// the date, how to use it, and for each entry its QR code (the otpauth
// URI; for a token, its value), names, parameters and secret in groups of
// four characters for typing. It prints on A4 and US Letter.
func HTML(w io.Writer, entries []vault.Entry, now time.Time) (Result, error) {
	var r Result
	var b strings.Builder
	n := 0
	for i := range entries {
		if !entries[i].Deleted {
			n++
		}
	}
	date := now.UTC().Format("2006-01-02 15:04 UTC")
	fmt.Fprintf(&b, `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Tessera paper backup, %s</title>
<style>
%s</style></head><body>
<h1>Tessera paper backup</h1>
<div class="intro">
<p><b>Printed %s, %d entries.</b> Anyone holding this page can make your one-time codes: keep it locked away, and shred older copies.</p>
<p>To restore an entry, scan its code with any authenticator app (or photograph the page and run <code>tessera scan PHOTO --add</code>), or type its secret.
A HOTP entry's counter is the one that was next when this was printed; use a higher one if codes were taken since.</p>
</div>
<div class="entries">`, html.EscapeString(date), paperCSS, html.EscapeString(date), n)
	for i := range entries {
		e := &entries[i]
		if e.Deleted {
			continue
		}
		var text, secret, params string
		switch e.Kind {
		case vault.KindOTP:
			c := credential(e)
			text = otp.FormatURI(&c)
			secret = otp.EncodeSecret(c.Secret)
			params = fmt.Sprintf("%s, %s, %d digits", strings.ToUpper(c.Kind.String()), c.Algorithm, c.EffectiveDigits())
			if c.Kind == otp.HOTP {
				params += ", next counter " + strconv.FormatUint(c.Counter, 10)
			} else {
				params += fmt.Sprintf(", %d s", c.EffectivePeriod())
			}
		case vault.KindToken:
			text = string(e.Token.Value)
			secret = text
			params = "API token"
			if e.Token.URL != "" {
				params += ", " + e.Token.URL
			}
			if !e.Token.Expires.IsZero() {
				params += ", expires " + e.Token.Expires.UTC().Format("2006-01-02")
			}
		default:
			r.skip(e, "unknown kind")
			continue
		}
		b.WriteString(`<div class="entry">`)
		img, err := qrDataURI(text)
		if err != nil {
			b.WriteString(`<p class="params">(too long for a QR code: type it)</p>`)
		} else {
			fmt.Fprintf(&b, `<img alt="QR code" src="%s">`, img)
		}
		fmt.Fprintf(&b, `<div class="name">%s</div>`, html.EscapeString(orDash(e.Issuer)))
		if e.Account != "" {
			fmt.Fprintf(&b, `<div class="account">%s</div>`, html.EscapeString(e.Account))
		}
		fmt.Fprintf(&b, `<div class="params">%s</div>`, html.EscapeString(params))
		if len(e.Tags) > 0 {
			fmt.Fprintf(&b, `<div class="tags">tags: %s</div>`, html.EscapeString(strings.Join(e.Tags, ", ")))
		}
		fmt.Fprintf(&b, `<div class="secret">%s</div>`, html.EscapeString(groups(secret, e.Kind == vault.KindOTP)))
		if e.Note != "" {
			fmt.Fprintf(&b, `<div class="note">%s</div>`, html.EscapeString(e.Note))
		}
		// No white space between entries: it would widen the line past
		// two entries.
		b.WriteString("</div>")
		r.Written++
	}
	b.WriteString("</div>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return r, err
}

// qrDataURI draws text as a QR code in a PNG data URI.
func qrDataURI(text string) (string, error) {
	img, err := qr.Encode(text)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// groups splits a base32 secret into groups of four for typing; other
// text is left as it is.
func groups(s string, base32 bool) string {
	if !base32 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
