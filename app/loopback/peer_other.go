//go:build !linux

package loopback

import (
	"errors"
	"net"
	"syscall"
)

// lookupPeer is not implemented outside Linux: the caller is unknown.
func lookupPeer(local, remote *net.TCPAddr) Peer { return Peer{} }

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
