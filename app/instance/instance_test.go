//go:build unix

package instance_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/instance"
)

func env(runtime string) func(string) string {
	return func(k string) string {
		if k == "XDG_RUNTIME_DIR" {
			return runtime
		}
		return ""
	}
}

// A second start on the same vault asks the first to show its window and
// gets ErrRunning; another vault is independent; after the first lets go,
// the vault can be claimed again.
func TestSecondStartShowsTheFirst(t *testing.T) {
	rt := t.TempDir()
	dir := filepath.Join(t.TempDir(), "vault")
	first, err := instance.Take(dir, env(rt))
	if err != nil {
		t.Fatal(err)
	}
	shown := make(chan struct{}, 4)
	if err := first.Serve(func() { shown <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	// The same folder written another way is the same vault.
	_, err = instance.Take(dir+"/.", env(rt))
	if !errors.Is(err, instance.ErrRunning) {
		t.Fatalf("second Take = %v, want ErrRunning", err)
	}
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance was not asked to show its window")
	}

	other, err := instance.Take(filepath.Join(t.TempDir(), "other"), env(rt))
	if err != nil {
		t.Fatalf("another vault: %v", err)
	}
	other.Release()

	first.Release()
	again, err := instance.Take(dir, env(rt))
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	defer again.Release()
	// A socket file left by a process that died does not stop listening.
	if err := again.Serve(func() {}); err != nil {
		t.Fatal(err)
	}
}

// A holder that took the lock but does not answer makes the second start
// fail with a message, not hang.
func TestSilentHolder(t *testing.T) {
	rt := t.TempDir()
	dir := t.TempDir()
	first, err := instance.Take(dir, env(rt))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	_, err = instance.Take(dir, env(rt))
	if !errors.Is(err, instance.ErrRunning) || err == instance.ErrRunning {
		t.Fatalf("Take with a silent holder = %v, want ErrRunning with why", err)
	}
}

// Without XDG_RUNTIME_DIR the claim lives in a private folder.
func TestPrivateFolder(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	c, err := instance.Take(t.TempDir(), env(""))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "tessera-*", "tessera-*.lock"))
	if len(matches) != 1 {
		t.Fatalf("lock files %v", matches)
	}
	fi, err := os.Stat(filepath.Dir(matches[0]))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("instance folder mode %v, %v", fi.Mode(), err)
	}
}
