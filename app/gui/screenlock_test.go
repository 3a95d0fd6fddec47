//go:build linux

package gui

import "testing"

func TestScreenLockSignal(t *testing.T) {
	for _, tc := range []struct {
		name string
		body []any
		want bool
	}{
		{"org.freedesktop.ScreenSaver.ActiveChanged", []any{true}, true},
		{"org.freedesktop.ScreenSaver.ActiveChanged", []any{false}, false},
		{"org.gnome.ScreenSaver.ActiveChanged", []any{true}, true},
		{"org.freedesktop.login1.Session.Lock", nil, true},
		{"org.freedesktop.login1.Session.Unlock", nil, false},
		{"org.freedesktop.ScreenSaver.ActiveChanged", []any{"yes"}, false},
	} {
		if got := screenLockSignal(tc.name, tc.body); got != tc.want {
			t.Errorf("%s %v = %v, want %v", tc.name, tc.body, got, tc.want)
		}
	}
}

func TestScreenLockLocksWhenSet(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.app.Preferences().SetBool(prefLockOnScreen, false)
	h.ui.onScreenLocked()
	if !h.ui.unlocked() {
		t.Fatal("locked on screen lock although the setting is off")
	}
	h.app.Preferences().SetBool(prefLockOnScreen, true)
	h.ui.onScreenLocked()
	if h.ui.unlocked() {
		t.Fatal("not locked when the screen locked")
	}
}
