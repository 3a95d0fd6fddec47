//go:build !linux

package gui

// watchScreenLock is not implemented here; the idle lock still applies.
func watchScreenLock(onLocked func()) {}
