package folder_test

import (
	"testing"
	"time"

	"github.com/tessera-auth/tessera/sync/folder"
)

// The watcher merges another device's file when it arrives and publishes
// this device's saves; each sync is reported.
func TestWatch(t *testing.T) {
	sf := t.TempDir()
	a, _ := newVault(t)
	add(t, a, totp("One", 1))
	syncOK(t, a, sf)
	b := join(t, sf)

	reports := make(chan *folder.Report, 16)
	w, err := folder.Watch(b, sf, nil, func(r *folder.Report, err error) {
		if err != nil {
			t.Errorf("watcher sync: %v", err)
			return
		}
		reports <- r
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func(what string) *folder.Report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(10 * time.Second): // a guard against hanging, not a speed check
			t.Fatalf("no sync after %s", what)
		}
		return nil
	}
	if r := next("starting"); r.Added != 1 || labels(b) != "One: me#0" {
		t.Fatalf("first sync: %+v, %s", r, labels(b))
	}

	// Another device writes its file: the watcher merges it.
	add(t, a, totp("Two", 2))
	syncOK(t, a, sf)
	if r := next("another device's file changed"); r.Added != 1 || labels(b) != "One: me#0, Two: me#0" {
		t.Fatalf("after a's file changed: %+v, %s", r, labels(b))
	}

	// A save here is published when the watcher is told.
	add(t, b, totp("Three", 3))
	w.Saved()
	if r := next("a save"); r.Sent != 1 {
		t.Fatalf("after a save: %+v", r)
	}
	syncOK(t, a, sf)
	if labels(a) != labels(b) {
		t.Fatalf("%s vs %s", labels(a), labels(b))
	}

	// Close stops it: nothing is reported afterwards.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	n := len(reports)
	syncOK(t, a, sf)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if len(reports) != n {
		t.Fatal("a closed watcher reported a sync")
	}
}
