//go:build e2e

package export_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/sync/export"
	"github.com/tessera-auth/tessera/vault"
)

// TestE2EPaperBackup prints the paper backup of 17 entries (every OTP
// kind, a token, long names and a long note) to PDF with headless
// Chromium on A4 and on US Letter, rasterizes each page with pdftoppm at
// 150 dpi, and reads every page with Tessera's QR reader and with
// zbarimg: each entry's code must be read exactly once on exactly one
// page, by both, so no code is cut by a page break or the page edge.
func TestE2EPaperBackup(t *testing.T) {
	chrome := lookPath(t, "chromium", "chromium")
	pdftoppm := lookPath(t, "pdftoppm", "poppler-utils")
	pdfinfo := lookPath(t, "pdfinfo", "poppler-utils")
	zbarimg := lookPath(t, "zbarimg", "zbar-tools")

	entries := sampleEntries()
	for i := range 11 {
		e := vault.Entry{ID: fmt.Sprintf("x%d", i), Kind: vault.KindOTP, Issuer: fmt.Sprintf("Service number %d with a rather long name", i),
			Account: fmt.Sprintf("someone.with.a.long.address+%d@example.com", i),
			OTP:     otp.Credential{Kind: otp.TOTP, Digits: 6, Period: 30, Secret: []byte(fmt.Sprintf("paper-secret-%02d-abcdefghijklmnopqrstuvwxyz", i))}}
		if i == 3 {
			e.Note = strings.Repeat("A long note that wraps over several lines of the card. ", 6)
		}
		entries = append(entries, e)
	}
	var want []string
	for _, e := range entries {
		if e.Kind == vault.KindToken {
			want = append(want, string(e.Token.Value))
			continue
		}
		c := e.OTP
		c.Issuer, c.Account = e.Issuer, e.Account
		want = append(want, otp.FormatURI(&c))
	}
	var page bytes.Buffer
	if _, err := export.HTML(&page, entries, t0); err != nil {
		t.Fatal(err)
	}
	dir := t.ArtifactDir()
	for _, paper := range []struct{ name, css, size string }{
		{"a4", "A4", "(A4)"},
		{"letter", "letter", "612 x 792 pts (letter)"},
	} {
		t.Run(paper.name, func(t *testing.T) {
			// The page leaves the paper size to the printer; the test
			// chooses it as a print dialog would.
			html := strings.Replace(page.String(), "<style>", "<style>@page { size: "+paper.css+"; }\n", 1)
			src := filepath.Join(dir, paper.name+".html")
			if err := os.WriteFile(src, []byte(html), 0o600); err != nil {
				t.Fatal(err)
			}
			pdf := filepath.Join(dir, paper.name+".pdf")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir="+t.TempDir(), "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+src)
			cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
			if log, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("chromium: %v\n%s", err, log)
			}
			info, err := exec.Command(pdfinfo, pdf).Output()
			if err != nil {
				t.Fatal(err)
			}
			if line := pageSizeLine(info); !strings.HasSuffix(line, paper.size) {
				t.Errorf("pdfinfo says %q, want a page size ending in %q", line, paper.size)
			}
			prefix := filepath.Join(dir, paper.name)
			if out, err := exec.Command(pdftoppm, "-r", "150", "-png", pdf, prefix).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v: %s", err, out)
			}
			pages, _ := filepath.Glob(prefix + "-*.png")
			slices.Sort(pages)
			if len(pages) < 2 {
				t.Fatalf("%d pages, want at least 2 for %d entries", len(pages), len(entries))
			}
			var ours, zbar []string
			for _, p := range pages {
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				texts, err := qr.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				ours = append(ours, texts...)
				out, err := exec.Command(zbarimg, "-q", "--raw", p).Output()
				if err != nil && len(out) == 0 {
					t.Fatalf("zbarimg %s: %v", p, err)
				}
				for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
					if line != "" {
						zbar = append(zbar, line)
					}
				}
			}
			for name, got := range map[string][]string{"qr.Decode": ours, "zbarimg": zbar} {
				if !sameTexts(got, want) {
					t.Errorf("%s read %s of the %d codes on %d pages (+N: read twice or not shown); pages in %s",
						name, score(got, want), len(want), len(pages), dir)
				}
			}
			t.Logf("%s: %d pages, every one of %d codes read once by qr.Decode and by zbarimg", paper.name, len(pages), len(want))
		})
	}
}

func lookPath(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install Debian's %s package (make test-deps)", name, pkg)
	}
	return p
}

func sameTexts(got, want []string) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

// score says how many of want were read, "found/shown", with "+N" for
// texts read twice or not shown; it never quotes a text (they hold
// secrets).
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

// pageSizeLine returns pdfinfo's "Page size:" line, spaces normalised.
func pageSizeLine(info []byte) string {
	for _, l := range strings.Split(string(info), "\n") {
		if strings.HasPrefix(l, "Page size:") {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	return ""
}
