// Package keypage holds the security-key page: the small HTML page, script
// and style sheet that app/loopback/webauthn serves at
// http://localhost:PORT/key/, through which the browser runs the WebAuthn
// ceremonies that enrol a security key or unlock the vault with one.
//
// The page loads nothing from elsewhere and has no inline script, so it
// runs under a Content-Security-Policy that allows scripts, styles and
// requests from its own origin only. It tells the person what to do
// ("touch your security key"), then the outcome, then to return to
// Tessera; it reports a failed or cancelled WebAuthn call to Tessera, which
// stops waiting at once.
package keypage

import _ "embed"

// HTML is the page (served at the mount point, /key/).
//
//go:embed page.html
var HTML []byte

// JS is the page's script (page.js beside the page).
//
//go:embed page.js
var JS []byte

// CSS is the page's style sheet (page.css beside the page).
//
//go:embed page.css
var CSS []byte
