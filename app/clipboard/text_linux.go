package clipboard

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// textTypes are the text types a clipboard owner may offer, UTF-8 first.
var textTypes = []string{"UTF8_STRING", "text/plain;charset=utf-8", "text/plain", "STRING"}

func readText(ctx context.Context, getenv func(string) string) (string, error) {
	b, err := readTypes(ctx, getenv, textTypes)
	switch {
	case errors.Is(err, ErrNoImage):
		return "", ErrNoText
	case err != nil:
		return "", err
	case len(b) > MaxTextBytes:
		return "", fmt.Errorf("the clipboard's text is %d KiB, more than the %d KiB read", len(b)>>10, MaxTextBytes>>10)
	case !utf8.Valid(b):
		return "", errors.New("the clipboard's text is not UTF-8")
	}
	return string(b), nil
}
