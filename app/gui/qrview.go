package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/vault"
)

// showQR shows one entry's otpauth URI as a QR code, for moving it to a
// phone. The edit screen asks for confirmation first. The dialog closes by
// itself when the vault locks.
func (u *UI) showQR(id string) {
	u.touch()
	e, ok := u.vault.Entry(id)
	if !ok || e.Kind != vault.KindOTP {
		return
	}
	img, err := qr.Encode(otp.FormatURI(&e.OTP))
	if err != nil {
		u.showDialog(dialog.NewError(err, u.win), nil)
		return
	}
	pic := canvas.NewImageFromImage(img)
	pic.FillMode = canvas.ImageFillContain
	pic.ScaleMode = canvas.ImageScalePixels
	pic.SetMinSize(fyne.NewSquareSize(300))
	note := widget.NewLabel("Scan this with your phone's authenticator app, then close it.")
	note.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(e.Label(), "Close", container.NewBorder(nil, note, nil, nil, pic), u.win)
	u.qrDialog = d
	u.showDialog(d, func() { u.qrDialog = nil })
}
