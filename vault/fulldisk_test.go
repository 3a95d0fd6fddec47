//go:build unix

package vault_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

func init() { childModes["fulldisk"] = fullDiskChild }

// fullDiskChild writes with a file size limit (RLIMIT_FSIZE: writes past
// it fail, as on a full disk) in this child process only. A save and a
// passphrase change must fail cleanly and keep the change in memory; once
// the limit is lifted, the same save goes through.
func fullDiskChild(v *vault.Vault, _ int) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "child: "+format+"\n", args...)
		return 1
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		return fail("%v", err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		return fail("%v", err)
	}
	setLimit := func(n uint64) error {
		return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: lim.Max})
	}
	e := totp("Big", "b", 1)
	e.Note = strings.Repeat("n", 64<<10) // the body outgrows the limit
	if _, err := v.Add(e); err != nil {
		return fail("%v", err)
	}
	body := filepath.Join(v.Dir(), "body.age")
	before, err := os.ReadFile(body)
	if err != nil {
		return fail("%v", err)
	}
	if err := setLimit(4096); err != nil {
		return fail("%v", err)
	}
	if err := v.Save(); err == nil {
		return fail("a save past the file size limit succeeded")
	}
	if after, err := os.ReadFile(body); err != nil || string(after) != string(before) {
		return fail("the failed save changed body.age (%v)", err)
	}
	if len(v.Find("Big")) != 1 {
		return fail("the failed save lost the change from memory")
	}
	if err := setLimit(100); err != nil {
		return fail("%v", err)
	}
	if err := v.SetPassphrase("never set"); err == nil {
		return fail("a passphrase change past the file size limit succeeded")
	}
	if m, _ := filepath.Glob(filepath.Join(v.Dir(), ".tmp-*")); len(m) != 0 {
		return fail("temporary files left by the failed writes: %v", m)
	}
	if err := setLimit(lim.Cur); err != nil {
		return fail("%v", err)
	}
	if err := v.Save(); err != nil {
		return fail("the save after the limit was lifted: %v", err)
	}
	fmt.Println("ok")
	return 0
}

// TestFullDisk: writes that fail for want of space leave the vault as it
// was (it opens, with the same passphrase and entries, and no temporary
// file stays), and the change they carried is saved by the next try.
func TestFullDisk(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	v.Lock()
	cmd, out := startChild(t, "fulldisk", dir, "-", 0)
	var said strings.Builder
	for out.Scan() {
		said.WriteString(out.Text())
	}
	if err := cmd.Wait(); err != nil || said.String() != "ok" {
		t.Fatalf("child: %v, said %q", err, said.String())
	}
	w := reopen(t, dir) // the passphrase did not change
	if len(w.Find("Big")) != 1 || len(w.Find("A")) != 1 {
		t.Fatalf("entries after the full disk: %d", len(w.Entries()))
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(m) != 0 {
		t.Errorf("temporary files left by the failed writes: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age")); len(m) != 1 {
		t.Errorf("passphrase slot files: %v", m)
	}
}
