package codeview_test

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/codeview"
	"github.com/tessera-auth/tessera/otp"
)

func TestGroup(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"123456", "123 456"},
		{"12345678", "1234 5678"},
		{"1234567", "123 4567"},
		{"123456789", "123 456 789"},
		{"1234567890", "12345 67890"},
		{"2BC4F", "2BC4F"},
		{"1234", "1234"},
	} {
		if got := codeview.Group(tc.in); got != tc.want {
			t.Errorf("Group(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// oathtool returns the reference implementation's TOTP code at t.
func oathtool(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	path, err := exec.LookPath("oathtool")
	if err != nil {
		t.Fatal("oathtool not found: install it with apt-get install oathtool")
	}
	cmd := exec.Command(path, "--totp", "--base32", "--now=@"+strconv.FormatInt(at.Unix(), 10), secret)
	cmd.Env = append(cmd.Environ(), "LANG=en_US.UTF-8")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestPickTakesNextCodeNearTheEnd(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	key, err := otp.DecodeSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	c := &otp.Credential{Secret: key, Period: 30, Digits: 6}
	base := time.Unix(1_700_000_010-1_700_000_010%30, 0) // start of a 30 s step

	early := base.Add(10 * time.Second)
	got, err := codeview.Pick(c, early)
	if err != nil {
		t.Fatal(err)
	}
	if got.Next || got.Code != oathtool(t, secret, early) {
		t.Fatalf("Pick at 10 s into the step = %+v, want current code %s", got, oathtool(t, secret, early))
	}

	late := base.Add(26 * time.Second) // 4 s left
	got, err = codeview.Pick(c, late)
	if err != nil {
		t.Fatal(err)
	}
	next := base.Add(30 * time.Second)
	if !got.Next || got.Code != oathtool(t, secret, next) || !got.ValidFrom.Equal(next) {
		t.Fatalf("Pick with 4 s left = %+v, want next code %s valid from %v", got, oathtool(t, secret, next), next)
	}

	edge := base.Add(25 * time.Second) // exactly 5 s left: still the current code
	got, _ = codeview.Pick(c, edge)
	if got.Next {
		t.Fatal("Pick with exactly MinLeft left took the next code")
	}
}

func TestPickHOTPUsesCounter(t *testing.T) {
	key, _ := otp.DecodeSecret("JBSWY3DPEHPK3PXP")
	c := &otp.Credential{Kind: otp.HOTP, Secret: key, Counter: 7, Digits: 6}
	got, err := codeview.Pick(c, time.Unix(29, 0))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.CodeAtCounter(7)
	if got.Code != want || got.Next {
		t.Fatalf("Pick(HOTP) = %+v, want %s", got, want)
	}
}

func TestScore(t *testing.T) {
	tags := []string{"work"}
	for _, tc := range []struct {
		query string
		match bool
	}{
		{"", true},
		{"git", true},
		{"GIT", true},
		{"hub", true},
		{"alice", true},
		{"work", true},
		{"git alice", true},
		{"git bob", false},
		{"gitlab", false},
	} {
		s := codeview.Score(tc.query, "GitHub", "alice@example.com", tags)
		if (s > 0) != tc.match {
			t.Errorf("Score(%q) = %d, want match %v", tc.query, s, tc.match)
		}
	}
	// Issuer prefix beats account word prefix beats an inner match.
	prefix := codeview.Score("ex", "Example", "bob", nil)
	word := codeview.Score("ex", "Acme", "bob@ex.org", nil)
	inner := codeview.Score("ex", "Acme", "bobexample", nil)
	if !(prefix > word && word > inner && inner > 0) {
		t.Fatalf("ranking wrong: issuer prefix %d, word prefix %d, inner %d", prefix, word, inner)
	}
}

func TestCountdown(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{17 * time.Second, "17 s"},
		{16*time.Second + time.Millisecond, "17 s"},
		{0, "0 s"},
	} {
		if got := codeview.Countdown(tc.d); got != tc.want {
			t.Errorf("Countdown(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func FuzzScore(f *testing.F) {
	f.Add("git hub", "GitHub", "alice", "work")
	f.Fuzz(func(t *testing.T, q, issuer, account, tag string) {
		s := codeview.Score(q, issuer, account, []string{tag})
		if s < 0 {
			t.Fatalf("negative score %d", s)
		}
	})
}
