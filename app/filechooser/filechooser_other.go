//go:build !linux

package filechooser

import "context"

// Open returns ErrNoPortal: desktop portals are a Linux (freedesktop)
// service.
func Open(context.Context, func(string) string, string, []Filter) (string, error) {
	return "", ErrNoPortal
}
