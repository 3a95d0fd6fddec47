//go:build unix

package instance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// askTimeout bounds how long a second start waits for the first to answer.
const askTimeout = 3 * time.Second

// Take claims the vault folder dir for this process. If another live
// process holds it, Take asks that process to show its window and returns
// [ErrRunning]; getenv reads the environment ($XDG_RUNTIME_DIR).
func Take(dir string, getenv func(string) string) (*Claim, error) {
	runtime, err := runtimeDir(getenv)
	if err != nil {
		return nil, err
	}
	lockPath, sockPath := names(runtime, dir)
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the instance lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		if err := ask(sockPath); err != nil {
			return nil, fmt.Errorf("%w, but it did not answer: %v", ErrRunning, err)
		}
		return nil, ErrRunning
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", lockPath, err)
	}
	return &Claim{lock: f, socket: sockPath}, nil
}

// ask asks the holder of the socket to show its window. The holder may
// be between taking the lock and listening, so a refused connection is
// tried again until askTimeout.
func ask(sock string) error {
	deadline := time.Now().Add(askTimeout)
	var c net.Conn
	var err error
	for {
		c, err = net.DialTimeout("unix", sock, askTimeout)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polls a process that is starting up
	}
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(deadline.Add(askTimeout))
	if _, err := c.Write([]byte("show\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "ok" {
		return fmt.Errorf("unexpected answer %q", strings.TrimSpace(line))
	}
	return nil
}

// Serve listens for later starts and calls show for each one that asks;
// show runs on the listener's goroutine. It returns once listening.
func (c *Claim) Serve(show func()) error {
	os.Remove(c.socket) // left by a process that died: the lock says so
	l, err := net.Listen("unix", c.socket)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", c.socket, err)
	}
	os.Chmod(c.socket, 0o600)
	c.stop = func() { l.Close() }
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go answer(conn, show)
		}
	}()
	return nil
}

// answer reads one request of a later start; anything but "show" is
// ignored.
func answer(conn net.Conn, show func()) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(askTimeout))
	line, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "show" {
		return
	}
	show()
	conn.Write([]byte("ok\n"))
}

// Release ends the claim: the socket goes and the lock is dropped.
func (c *Claim) Release() {
	if c == nil {
		return
	}
	if c.stop != nil {
		c.stop()
		os.Remove(c.socket)
	}
	c.lock.Close()
}
