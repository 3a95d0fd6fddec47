//go:build ignore

// A Go service asking the person at the desk before a deploy. Pair once:
//
//	tessera approve pair --name "deploy service" --save deploy-client.json
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/tessera-auth/tessera/app/approve/client"
)

func main() {
	c, err := client.Load("deploy-client.json")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.Start(ctx, client.Request{
		LoginHint: os.Getenv("USER"),
		Message:   "deploy web to production",
		Context:   map[string]string{"application": "deployer", "host": "web-3"},
	})
	if err != nil {
		log.Fatal(err) // not paired, refused, or Tessera not running
	}
	fmt.Printf("Type %s into Tessera's window\n", p.MatchCode)
	d, err := c.Wait(ctx, p) // polls; verifies the ID token against the pinned key
	switch {
	case errors.Is(err, client.ErrDenied):
		log.Fatal("denied at the desk")
	case errors.Is(err, client.ErrExpired):
		log.Fatal("nobody answered")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Printf("approved for %s (%s): deploying\n", d.Claims.Subject, d.Claims.ACR)
}
