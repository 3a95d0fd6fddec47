//go:build !linux

package clipboard

import (
	"context"
	"errors"
)

func readText(context.Context, func(string) string) (string, error) {
	return "", errors.New("reading text from the clipboard is not supported on this system yet; paste the link into tessera add instead")
}
