package cli_test

import (
	"crypto/sha256"
	"errors"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// fakePlugin is the age plugin the test binary serves as
// age-plugin-tesserakey on the scripts' PATH, as vault's tests do: its
// identities ask for a PIN (1234) and say "touch your key".
const fakePlugin = "tesserakey"

func serveFakePlugin() int {
	p, err := plugin.New(fakePlugin)
	if err != nil {
		return 1
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) { return pluginKey{data: data}, nil })
	p.HandleIdentity(func(data []byte) (age.Identity, error) { return pluginKey{data: data, p: p}, nil })
	return p.Main()
}

// pluginKey wraps a file key by XOR with a hash of the plugin data: no
// security, but a real round trip through the plugin protocol.
type pluginKey struct {
	data []byte
	p    *plugin.Plugin
}

func (k pluginKey) mask(b []byte) []byte {
	h := sha256.Sum256(k.data)
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ h[i%len(h)]
	}
	return out
}

func (k pluginKey) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	return []*age.Stanza{{Type: fakePlugin, Body: k.mask(fileKey)}}, nil
}

func (k pluginKey) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != fakePlugin {
			continue
		}
		pin, err := k.p.RequestValue("Enter the PIN of your test key:", true)
		if err != nil {
			return nil, err
		}
		if pin != "1234" {
			return nil, errors.New("wrong PIN (2 tries left)")
		}
		if err := k.p.DisplayMessage("touch your key"); err != nil {
			return nil, err
		}
		return k.mask(s.Body), nil
	}
	return nil, age.ErrIncorrectIdentity
}
