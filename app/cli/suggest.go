package cli

import (
	"fmt"
	"sort"
	"strings"
)

// suggest returns a hint for a mistyped command, "" when no verb is close:
// a flag spelling of a verb (--version) or a verb one or two typing slips
// away (lsit), one below five letters. Ties go to the first in name order.
func suggest(typed string) string {
	name := strings.ToLower(strings.TrimLeft(typed, "-"))
	if _, ok := verbs[name]; ok {
		return fmt.Sprintf("; did you mean 'tessera %s'?", name)
	}
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	// Short words are all close to each other: allow one slip below five
	// letters, two from then on.
	best, bestD := "", 2
	if len(name) >= 5 {
		bestD = 3
	}
	for _, n := range names {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean 'tessera %s'?", best)
}

// editDistance is the number of single-letter insertions, deletions,
// substitutions and swaps of neighbours that turn a into b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 64 // far from every verb; bounds the work
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
