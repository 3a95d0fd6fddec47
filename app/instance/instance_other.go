//go:build !unix

package instance

// Take claims nothing where there are no unix sockets and flock: every
// start opens its own window, and the vault's own lock keeps writes apart.
func Take(dir string, getenv func(string) string) (*Claim, error) {
	return &Claim{}, nil
}

// Serve does nothing here.
func (c *Claim) Serve(show func()) error { return nil }

// Release does nothing here.
func (c *Claim) Release() {}
