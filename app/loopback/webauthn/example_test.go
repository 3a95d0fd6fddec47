package webauthn_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/vault"
)

// The loopback server mounts the handler; unlocking then starts a
// ceremony, shows its page and waits for the key's identity. (Not run: it
// needs a person and a key.)
func Example() {
	cs, err := webauthn.New(webauthn.Config{Origin: "http://localhost:47823"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle(webauthn.DefaultPrefix, cs)
	go http.ListenAndServe("127.0.0.1:47823", mux)

	var (
		userID []byte              // the vault's user handle
		keys   []vault.SecurityKey // the vault's enrolled keys
	)
	c, err := cs.BeginUnlock(userID, keys)
	if err != nil {
		panic(err)
	}
	fmt.Println("Touch your security key in the browser; if none opened, open", c.URL())
	webauthn.OpenBrowser(c.URL())
	res, err := c.Wait(context.Background())
	if err != nil {
		fmt.Println(err) // exit code 3 on the command line
		return
	}
	_ = res.Identity // opens the key slot: vault.Unlock(res.Identity)
	_ = res.Key      // store its new SignCount
}
