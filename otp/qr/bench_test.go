package qr_test

import (
	"bytes"
	"image"
	"testing"

	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/otp/qr/internal/corpus"
)

// benchFiles returns three corpus files of each variant.
func benchFiles() []corpus.Sample {
	var files []corpus.Sample
	for _, v := range corpus.Variants() {
		for i := 0; i < 3; i++ {
			files = append(files, corpus.Generate(1, v, i))
		}
	}
	return files
}

// BenchmarkDecode decodes one corpus file of each variant per iteration,
// from the file's bytes to the texts: what `tessera scan FILE` does.
func BenchmarkDecode(b *testing.B) {
	files := benchFiles()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := qr.Decode(bytes.NewReader(files[i%len(files)].Data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadImage decodes one corpus file of each variant per
// iteration into pixels, the part of [BenchmarkDecode] before QR decoding.
func BenchmarkReadImage(b *testing.B) {
	files := benchFiles()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := qr.ReadImage(bytes.NewReader(files[i%len(files)].Data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeImage decodes one image of each corpus variant per
// iteration, from the decoded image to the texts.
func BenchmarkDecodeImage(b *testing.B) {
	var imgs []image.Image
	for _, s := range benchFiles() {
		img, err := qr.ReadImage(bytes.NewReader(s.Data))
		if err != nil {
			b.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		qr.DecodeImage(imgs[i%len(imgs)])
	}
}
