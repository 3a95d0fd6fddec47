// Package instance keeps one Tessera window per vault: the first process
// to start on a vault claims it, and a later start asks that process to
// bring its window forward instead of opening a second one.
//
// The claim is a lock on a file in a folder only the user can reach
// ($XDG_RUNTIME_DIR, else a private folder in the temporary folder), held
// for the life of the process, so a crashed process leaves no stale claim;
// beside it, a unix socket on which the holder listens for "show".
package instance

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrRunning is returned by [Claim] when another process holds the vault;
// that process has been asked to show its window.
var ErrRunning = errors.New("tessera is already running on this vault")

// Claim is this process's hold on a vault, from [Claim] to [Claim.Release].
type Claim struct {
	lock   *os.File
	socket string
	stop   func()
}

// names returns the lock file and socket paths of the vault folder dir
// under runtime.
func names(runtime, dir string) (lock, socket string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	sum := sha256.Sum256([]byte(filepath.Clean(abs)))
	base := filepath.Join(runtime, "tessera-"+hex.EncodeToString(sum[:8]))
	return base + ".lock", base + ".sock"
}

// runtimeDir returns the per-user folder for the claim files, making it if
// needed; getenv reads the environment.
func runtimeDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		return d, nil
	}
	d := filepath.Join(os.TempDir(), fmt.Sprintf("tessera-%d", os.Getuid()))
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("making the instance folder: %w", err)
	}
	fi, err := os.Lstat(d)
	if err != nil {
		return "", fmt.Errorf("checking the instance folder: %w", err)
	}
	if !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("the instance folder %s is not a private folder", d)
	}
	return d, nil
}
