package imports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Part is one QR code of a Google Authenticator export that was split over
// several.
type Part struct {
	BatchID int
	Index   int // from 0
	Size    int
}

// MissingParts names the parts of Google Authenticator exports that parts
// (gathered over every file read) lack, such as "part 2 of 3".
func MissingParts(parts []Part) []string {
	type batch struct {
		size int
		seen map[int]bool
	}
	batches := map[int]*batch{}
	var order []int
	for _, p := range parts {
		b := batches[p.BatchID]
		if b == nil {
			b = &batch{size: p.Size, seen: map[int]bool{}}
			batches[p.BatchID] = b
			order = append(order, p.BatchID)
		}
		b.seen[p.Index] = true
	}
	var out []string
	for _, id := range order {
		b := batches[id]
		for i := 0; i < b.size && i < 1000; i++ {
			if !b.seen[i] {
				out = append(out, fmt.Sprintf("part %d of %d of a Google Authenticator export", i+1, b.size))
			}
		}
	}
	return out
}

// maxLine bounds a line of a URI list.
const maxLine = 1 << 20

// readURIs reads a text of otpauth://, otpauth-migration:// and steam://
// URIs, one per line; blank lines and lines starting with # are skipped.
func readURIs(data []byte, _ *Options, r *Result) error {
	sc := bufio.NewScanner(bytes.NewReader(trimBOM(data)))
	// Lines may be longer than a URI may be: Ente adds its codeDisplay
	// parameter, notes included.
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n, uris := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if l := strings.ToLower(line); strings.HasPrefix(l, "otpauth") || strings.HasPrefix(l, "steam:") {
			uris++
		}
		r.addURI(fmt.Sprintf("line %d", n), line)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("uris: line %d: longer than %d bytes, not a URI", n+1, maxLine)
	}
	if uris == 0 {
		// Not one line is a URI: another format, not a list of bad URIs.
		return notThis("uris", "otpauth:// lines")
	}
	return nil
}

// addURI adds the entries of one URI text found at where.
func (r *Result) addURI(where, text string) {
	lower := strings.ToLower(text)
	switch {
	case strings.HasPrefix(lower, "otpauth-migration:"):
		batch, err := otp.ParseMigration(text)
		if err != nil {
			r.problem(where, "%v", err)
			return
		}
		if batch.BatchSize > 1 {
			r.Parts = append(r.Parts, Part{batch.BatchID, batch.BatchIndex, batch.BatchSize})
		}
		for i, c := range batch.Credentials {
			r.add(fmt.Sprintf("%s, account %d", where, i+1), vault.Entry{Kind: vault.KindOTP, Issuer: c.Issuer, Account: c.Account, OTP: c})
		}
	case strings.HasPrefix(lower, "otpauth:"), strings.HasPrefix(lower, "steam:"):
		e, err := uriEntry(withoutParam(text, "codeDisplay"))
		if err != nil {
			r.problem(where, "%v", err)
			return
		}
		if strings.HasPrefix(lower, "otpauth:") {
			if err := enteExtras(text, &e); err != nil {
				r.problem(where, "%v", err)
				return
			}
		}
		r.add(where, e)
	default:
		// The text is not shown: it may be a bare secret.
		r.problem(where, "not an otpauth:// URI")
	}
}

// withoutParam removes a query parameter from a URI as written, so that
// what otp.ParseURI checks (its length among it) is the URI itself.
func withoutParam(uri, name string) string {
	base, q, ok := strings.Cut(uri, "?")
	if !ok {
		return uri
	}
	var kept []string
	for _, p := range strings.Split(q, "&") {
		if k, _, _ := strings.Cut(p, "="); k != name {
			kept = append(kept, p)
		}
	}
	return base + "?" + strings.Join(kept, "&")
}

// enteDisplay is the codeDisplay parameter Ente Auth adds to the URIs of
// its plain export: what it shows besides the code.
type enteDisplay struct {
	Pinned  bool     `json:"pinned"`
	Trashed bool     `json:"trashed"`
	Tags    []string `json:"tags"`
	Note    string   `json:"note"`
	IconSrc string   `json:"iconSrc"`
}

// enteExtras reads Ente's codeDisplay parameter, if the URI has one, into
// the entry's favourite flag, tags and note.
func enteExtras(uri string, e *vault.Entry) error {
	_, q, ok := strings.Cut(uri, "?")
	if !ok || !strings.Contains(q, "codeDisplay=") {
		return nil
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return nil // otp.ParseURI accepted the query; an odd one is not ours to judge
	}
	raw := vals.Get("codeDisplay")
	if raw == "" {
		return nil
	}
	var d enteDisplay
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return fmt.Errorf("codeDisplay parameter is not valid JSON")
	}
	if d.Trashed {
		return fmt.Errorf("it is in Ente's trash")
	}
	e.Favourite = d.Pinned
	for _, t := range d.Tags {
		e.Tags = addTag(e.Tags, t)
	}
	e.Note = d.Note
	return nil
}
