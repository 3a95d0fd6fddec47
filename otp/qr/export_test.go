package qr

// SetMaxPixels lowers the image size limit for a test and returns a
// function restoring it.
func SetMaxPixels(n int64) (restore func()) {
	old := maxPixels
	maxPixels = n
	return func() { maxPixels = old }
}
