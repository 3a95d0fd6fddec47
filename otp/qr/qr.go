// Package qr finds QR codes in images and draws them.
//
// # Reading
//
// [Decode] reads an image file (PNG, JPEG, GIF, BMP or WebP) and returns the
// text of every QR code in it; [DecodeImage] does the same for an image
// already in memory, such as a screen capture. Both are built to read codes
// as they appear on desktop screens: small (2 pixels a module in a 4K
// screenshot), light on dark (dark-mode pages), rotated, resampled by
// fractional HiDPI scale factors, washed out (low contrast), in photos of a
// screen (blur, noise, JPEG), and several in one picture, each reported once.
//
// Reading works on a luminance plane taken straight from the decoded
// image's pixel buffer (PNG files are even decoded straight to it). A first
// pass thresholds it with zxing's local block binarizer and looks for
// dark-on-light codes and, on a second goroutine, for light-on-dark ones
// among the light pixels of the same pass, judged as in the negative image
// so that a code's dark margin merging into a dark page does not bias the
// thresholds. A code
// whose finder patterns were found but whose modules did not decode, or
// whose size zxing estimated as no QR code's, is sampled again with other
// grids (a version off, no alignment pattern), which rescues blurred and
// skewed photos and codes scaled by a browser. Only when
// the first pass finds nothing, or leaves such a code unread, do further
// passes run: a threshold rule for washed-out pages, the unread codes
// scaled up twice, and for images up to 4K the whole image scaled up
// twice. An image crowded with finder-pattern-like shapes is searched in
// overlapping quarters, so that its cost stays bounded.
//
// # Meaning
//
// [Classify] separates what was found from what it means: otpauth and
// otpauth-migration texts become credentials through package otp, texts
// that look like API tokens ([LooksLikeToken]) are marked as such, and
// anything else is described by [Content.Describe] without being stored.
//
// # Drawing
//
// [Encode] draws a text, typically an otpauth URI from [otp.FormatURI] or a
// batch from [otp.FormatMigration], as a QR code image.
//
// # Untrusted input
//
// Image files are checked before their pixels are decoded: more than
// [MaxPixels] pixels or a broken header is an error, never a panic or an
// allocation the size of a hostile header.
package qr
