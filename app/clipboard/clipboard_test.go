package clipboard_test

import (
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/clipboard"
	"github.com/tessera-auth/tessera/app/clock/clocktest"
)

type board struct{ text string }

func (b *board) Content() string     { return b.text }
func (b *board) SetContent(s string) { b.text = s }

func TestClearsAfterDelay(t *testing.T) {
	b := &board{}
	c := clocktest.New(time.Unix(1_700_000_000, 0))
	g := clipboard.New(b, c, nil)
	g.Copy("123456", 30*time.Second)
	if b.text != "123456" {
		t.Fatalf("board holds %q after copy", b.text)
	}
	c.Advance(29 * time.Second)
	if b.text != "123456" {
		t.Fatalf("board cleared early: %q", b.text)
	}
	c.Advance(time.Second)
	if b.text != "" {
		t.Fatalf("board holds %q after 30 s, want empty", b.text)
	}
	if g.Holding() {
		t.Fatal("guard still holding after clearing")
	}
}

func TestKeepsWhatThePersonCopiedSince(t *testing.T) {
	b := &board{}
	c := clocktest.New(time.Unix(0, 0))
	g := clipboard.New(b, c, nil)
	g.Copy("123456", 10*time.Second)
	b.SetContent("my own text")
	c.Advance(time.Minute)
	if b.text != "my own text" {
		t.Fatalf("board holds %q, the person's own text was cleared", b.text)
	}
}

func TestLaterCopyRestartsTheDelay(t *testing.T) {
	b := &board{}
	c := clocktest.New(time.Unix(0, 0))
	g := clipboard.New(b, c, nil)
	g.Copy("111111", 10*time.Second)
	c.Advance(8 * time.Second)
	g.Copy("222222", 10*time.Second)
	c.Advance(8 * time.Second)
	if b.text != "222222" {
		t.Fatalf("second code cleared by the first copy's timer: board %q", b.text)
	}
	c.Advance(2 * time.Second)
	if b.text != "" {
		t.Fatalf("board holds %q after the second delay", b.text)
	}
	if n := c.Pending(); n != 0 {
		t.Fatalf("%d timers still pending", n)
	}
}

func TestZeroDelayNeverClears(t *testing.T) {
	b := &board{}
	c := clocktest.New(time.Unix(0, 0))
	g := clipboard.New(b, c, nil)
	g.Copy("123456", 0)
	c.Advance(time.Hour)
	if b.text != "123456" {
		t.Fatalf("board holds %q, want the code kept", b.text)
	}
}

func TestClearNow(t *testing.T) {
	b := &board{}
	c := clocktest.New(time.Unix(0, 0))
	g := clipboard.New(b, c, nil)
	g.Copy("123456", time.Minute)
	g.Clear()
	if b.text != "" {
		t.Fatalf("board holds %q after Clear", b.text)
	}
	b.SetContent("other")
	c.Advance(2 * time.Minute)
	g.Clear()
	if b.text != "other" {
		t.Fatalf("Clear removed text the guard did not put there: %q", b.text)
	}
}

func TestClearingRunsThroughDo(t *testing.T) {
	b := &board{}
	c := clocktest.New(time.Unix(0, 0))
	var queued []func()
	g := clipboard.New(b, c, func(f func()) { queued = append(queued, f) })
	g.Copy("123456", time.Second)
	c.Advance(time.Second)
	if b.text != "123456" || len(queued) != 1 {
		t.Fatalf("clearing bypassed do: board %q, %d queued", b.text, len(queued))
	}
	queued[0]()
	if b.text != "" {
		t.Fatalf("board holds %q after the queued clearing ran", b.text)
	}
}
