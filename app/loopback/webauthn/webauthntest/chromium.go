package webauthntest

import (
	"context"
	"os/exec"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdpwa "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// StartChromium starts headless Chromium for the test and stops it at the
// end. A missing Chromium fails the test.
func StartChromium(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: install it (Debian: apt-get install chromium; make test-deps does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		bcancel()
		acancel()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// SecurityKey is a DevTools virtual authenticator as Tessera's tests use
// it: CTAP 2.1 over USB with resident keys, user verification and PRF,
// presence simulated. AutomaticPresenceSimulation is always set: Chromium
// would take the zero value and wait for a touch forever.
func SecurityKey() cdpwa.VirtualAuthenticatorOptions {
	return cdpwa.VirtualAuthenticatorOptions{
		Protocol:                    cdpwa.AuthenticatorProtocolCtap2,
		Ctap2version:                cdpwa.Ctap2versionCtap21,
		Transport:                   cdpwa.AuthenticatorTransportUsb,
		HasResidentKey:              true,
		HasUserVerification:         true,
		IsUserVerified:              true,
		HasPrf:                      true,
		AutomaticPresenceSimulation: true,
	}
}

// KeyTab opens a tab of browser with a virtual authenticator of its own
// (Chromium keeps one per tab): one security key. Navigate the returned
// context to a ceremony's page to run it with that key.
func KeyTab(t testing.TB, browser context.Context, opts cdpwa.VirtualAuthenticatorOptions) (context.Context, cdpwa.AuthenticatorID) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	id, err := chromedp.Run(ctx, func(ctx context.Context, target *chromedp.Target) (cdpwa.AuthenticatorID, error) {
		if _, err := cdp.Call(ctx, target, cdpwa.Enable, cdpwa.EnableParams{}); err != nil {
			return "", err
		}
		res, err := cdp.Call(ctx, target, cdpwa.AddVirtualAuthenticator, cdpwa.AddVirtualAuthenticatorParams{Options: &opts})
		return res.AuthenticatorID, err
	})
	if err != nil {
		t.Fatalf("adding a virtual authenticator: %v", err)
	}
	return ctx, id
}
