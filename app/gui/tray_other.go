//go:build !linux

package gui

// trayAvailable reports whether the desktop has a system tray: Windows and
// macOS always do.
func trayAvailable() bool { return true }
