package qr

// SetMaxPixels lowers the image size limit for a test, and the decoding
// memory bound to 4 bytes a pixel of it, and returns a function restoring
// both.
func SetMaxPixels(n int64) (restore func()) {
	oldPixels, oldBytes := maxPixels, maxDecodeBytes
	maxPixels, maxDecodeBytes = n, 4*n
	return func() { maxPixels, maxDecodeBytes = oldPixels, oldBytes }
}
