//go:build race

package qr_test

// The race detector slows image drawing and decoding about twentyfold:
// one image per variant then.
func init() { corpusPerVariant = 1 }
