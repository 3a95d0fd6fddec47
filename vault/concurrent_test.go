package vault_test

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// TestTwoProcesses has two child processes add and edit entries in one
// vault at the same time, while this process holds the vault open and
// makes changes of its own, as the GUI would. No change may be lost.
const guiRounds = 50

func TestTwoProcesses(t *testing.T) {
	gui, dir, _ := newVault(t)
	gui.Lock()
	if err := gui.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, name := range []string{"alpha", "beta"} {
		cmd, out := startChild(t, "writer", dir, name, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for out.Scan() {
				n++
			}
			if err := cmd.Wait(); err != nil {
				errs <- err
			}
			if n != writerRounds {
				t.Errorf("%s reported %d saves, want %d", name, n, writerRounds)
			}
		}()
	}
	// The holder saves now and then, reloading when it sees a change.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range guiRounds {
			if gui.Changed() {
				if err := gui.Reload(); err != nil {
					errs <- err
					return
				}
			}
			if _, err := gui.Add(childEntry("gui", i)); err != nil {
				errs <- err
				return
			}
			if err := gui.Save(); err != nil {
				errs <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	got := reopen(t, dir)
	count := map[string]int{}
	for _, e := range got.Entries() {
		if err := checkChildEntry(e); err != nil {
			t.Fatal(err)
		}
		count[e.Issuer]++
		i, _ := strconv.Atoi(e.Account[1:])
		edited := len(e.Tags) == 1 && e.Tags[0] == "edited"
		// Writers edit entry i-2 in rounds i divisible by 3.
		if wantEdit := e.Issuer != "gui" && (i+2)%3 == 0 && i+2 < writerRounds; edited != wantEdit {
			t.Errorf("%s: edited %v, want %v", e.Label(), edited, wantEdit)
		}
	}
	if count["alpha"] != writerRounds || count["beta"] != writerRounds || count["gui"] != guiRounds {
		t.Fatalf("entries per writer: %v", count)
	}
	// The holder's view matches after a reload.
	if err := gui.Reload(); err != nil {
		t.Fatal(err)
	}
	if n := len(gui.Entries()); n != 2*writerRounds+guiRounds {
		t.Fatalf("holder sees %d entries", n)
	}
}

// TestTwoProcessesHOTP has two processes take codes of one HOTP entry at
// the same time: each counter value must be used exactly once, so that no
// code is ever shown twice.
func TestTwoProcessesHOTP(t *testing.T) {
	v, dir, _ := newVault(t)
	h := mustAdd(t, v, vault.Entry{Kind: vault.KindOTP, Issuer: "shared-hotp",
		OTP: otp.Credential{Kind: otp.HOTP, Digits: 8, Secret: []byte("12345678901234567890")}})
	mustSave(t, v)
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for range 2 {
		cmd, out := startChild(t, "hotp", dir, "shared-hotp", 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for out.Scan() {
				mu.Lock()
				got = append(got, out.Text())
				mu.Unlock()
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("child: %v", err)
			}
		}()
	}
	wg.Wait()
	var want []string
	for c := range uint64(2 * hotpRounds) {
		code, _ := h.OTP.CodeAtCounter(c)
		want = append(want, code)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("codes taken:\n%v\nwant one for each counter 0..%d:\n%v", got, 2*hotpRounds-1, want)
	}
	if e, _ := reopen(t, dir).Entry(h.ID); e.OTP.Counter != 2*hotpRounds || e.Uses != 2*hotpRounds {
		t.Fatalf("counter %d, uses %d; want %d", e.OTP.Counter, e.Uses, 2*hotpRounds)
	}
}
