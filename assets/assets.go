// Package assets holds the files Tessera ships inside its binary: the
// application icon, as SVG (its source) and as a 512×512 PNG rendered from
// it.
//
// The package exports plain bytes so that it never pulls Fyne into a
// package that does not already use it; app/gui wraps them with
// fyne.NewStaticResource.
//
// The PNG is generated, not drawn by hand: after editing icon.svg, run
//
//	go test ./assets -run '^TestIconPNG$' -update
//
// and commit both files. The test fails while they disagree.
package assets

import _ "embed"

// IconSVG is the application icon as SVG, the source the PNG is drawn from.
//
//go:embed icon.svg
var IconSVG []byte

// IconPNG is the application icon as a 512×512 PNG, for window and
// desktop icons.
//
//go:embed icon.png
var IconPNG []byte
