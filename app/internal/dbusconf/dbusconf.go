// Package dbusconf writes dbus-daemon configurations for the private buses
// of end-to-end tests, so that no test touches a real session or system
// bus.
package dbusconf

import (
	"fmt"
	"html"
	"strings"
)

// Session returns the configuration of a private session bus for tests:
// it listens on the Unix socket at path, lets everyone on it talk to (and
// eavesdrop on) everyone, and starts no service by itself. dbus-daemon
// --config-file reads it.
func Session(path string) string {
	return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=` + html.EscapeString(addressEscape(path)) + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
}

// addressEscape escapes a value for a D-Bus address: every byte but
// [-0-9A-Za-z_/.\*] as %XX.
func addressEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_/.\\*", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}
