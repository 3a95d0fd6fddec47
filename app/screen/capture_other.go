//go:build !linux && !windows && !darwin

package screen

import (
	"context"
	"errors"
	"image"
)

func capture(context.Context, func(string) string) ([]image.Image, error) {
	return nil, errors.New("screen capture is not supported on this system")
}
