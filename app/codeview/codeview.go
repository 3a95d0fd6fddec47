// Package codeview decides what Tessera's windows show of the entries,
// without touching a widget: the code grouped for reading, which code a copy
// takes when the current one is about to expire, and which entries a search
// matches, best first.
package codeview

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tessera-auth/tessera/otp"
)

// MinLeft is the shortest validity a copied code may have: with less left,
// a copy takes the next code, since pasting and submitting takes a few
// seconds and the service may reject a code that expired meanwhile.
const MinLeft = 5 * time.Second

// Group returns code spaced for reading: "123456" as "123 456", "12345678"
// as "1234 5678". Codes of 5 or fewer characters (Steam's) stay whole.
func Group(code string) string {
	n := len(code)
	switch {
	case n <= 5:
		return code
	case n%3 == 0 && n != 12:
		return chunk(code, 3)
	case n%4 == 0:
		return chunk(code, 4)
	default:
		half := n / 2
		return code[:half] + " " + code[half:]
	}
}

func chunk(s string, size int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += size {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+size, len(s))])
	}
	return b.String()
}

// Copy is the outcome of picking the code to copy.
type Copy struct {
	Code string
	// Next is true when the current code had less than MinLeft left and the
	// next step's code was taken instead.
	Next bool
	// ValidFrom is when Code starts to be accepted; it is in the future
	// when Next is true.
	ValidFrom time.Time
}

// Pick returns the code of c to copy at now. For TOTP and Steam credentials
// whose current code has less than MinLeft left, that is the next step's
// code. For HOTP it is the code of c.Counter; the caller advances the counter.
func Pick(c *otp.Credential, now time.Time) (Copy, error) {
	if c.Kind == otp.HOTP {
		code, err := c.Code(now)
		return Copy{Code: code, ValidFrom: now}, err
	}
	left := c.Remaining(now)
	if left < MinLeft {
		code, err := c.CodeAtCounter(c.Step(now) + 1)
		return Copy{Code: code, Next: true, ValidFrom: now.Add(left)}, err
	}
	code, err := c.Code(now)
	return Copy{Code: code, ValidFrom: now}, err
}

// Score ranks how well query matches an entry described by its issuer,
// account and tags. Zero means no match. Every word of query must occur in
// one of the fields (case-insensitive); matches at the start of the issuer
// rank first, then at the start of any word, then anywhere. An empty query
// matches everything with score 1.
func Score(query, issuer, account string, tags []string) int {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return 1
	}
	fields := make([]string, 0, 2+len(tags))
	fields = append(fields, strings.ToLower(issuer), strings.ToLower(account))
	for _, t := range tags {
		fields = append(fields, strings.ToLower(t))
	}
	total := 0
	for _, w := range words {
		best := 0
		for i, f := range fields {
			s := wordScore(w, f)
			if i == 0 && s > 0 {
				s += 2 // the issuer is what people type first
			}
			best = max(best, s)
		}
		if best == 0 {
			return 0
		}
		total += best
	}
	return total
}

// wordScore is 3 for a prefix of field, 2 for a prefix of a word inside it,
// 1 for any other occurrence and 0 for none.
func wordScore(w, field string) int {
	i := strings.Index(field, w)
	if i < 0 {
		return 0
	}
	if i == 0 {
		return 3
	}
	for ; i >= 0; i = nextIndex(field, w, i) {
		r, _ := utf8.DecodeLastRuneInString(field[:i])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return 2
		}
	}
	return 1
}

func nextIndex(field, w string, from int) int {
	j := strings.Index(field[from+1:], w)
	if j < 0 {
		return -1
	}
	return from + 1 + j
}

// Countdown formats the time left of a step, rounded up to whole seconds:
// "17 s".
func Countdown(left time.Duration) string {
	s := int((left + time.Second - 1) / time.Second)
	return itoa(s) + " s"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
