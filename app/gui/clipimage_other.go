//go:build !linux

package gui

import "errors"

// clipboardImage is not available here: Fyne's clipboard holds text only.
func clipboardImage() ([]byte, error) {
	return nil, errors.New("the clipboard holds no otpauth link; to scan an image, save it and open the file")
}
