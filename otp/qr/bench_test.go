package qr_test

import (
	"bytes"
	"image"
	"testing"

	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/otp/qr/internal/corpus"
)

// BenchmarkDecodeImage decodes one image of each corpus variant per
// iteration, from the decoded image to the texts.
func BenchmarkDecodeImage(b *testing.B) {
	var imgs []image.Image
	for _, v := range corpus.Variants() {
		for i := 0; i < 3; i++ {
			s := corpus.Generate(1, v, i)
			img, err := qr.ReadImage(bytes.NewReader(s.Data))
			if err != nil {
				b.Fatal(err)
			}
			imgs = append(imgs, img)
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		qr.DecodeImage(imgs[i%len(imgs)])
	}
}
