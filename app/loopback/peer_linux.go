package loopback

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lookupPeer finds the process whose TCP socket is remote, connected to
// local: its line in /proc/net/tcp{,6} gives the user and the socket's
// inode, and a walk of /proc/PID/fd the process holding that inode (only
// processes Tessera may inspect, which are its user's).
func lookupPeer(local, remote *net.TCPAddr) Peer {
	file := "/proc/net/tcp"
	if remote.IP.To4() == nil {
		file = "/proc/net/tcp6"
	}
	f, err := os.Open(file)
	if err != nil {
		return Peer{}
	}
	defer f.Close()
	want := procAddr(remote) + " " + procAddr(local)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[1]+" "+fields[2] != want {
			continue
		}
		uid, err1 := strconv.Atoi(fields[7])
		inode, err2 := strconv.ParseUint(fields[9], 10, 64)
		if err1 != nil || err2 != nil {
			return Peer{}
		}
		p := Peer{Known: true, UID: uid}
		p.PID, p.Exe = findSocketOwner(inode)
		return p
	}
	return Peer{}
}

// procAddr writes a as /proc/net/tcp does: the address as 32-bit words in
// host byte order, in hex, then the port.
func procAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		ip = a.IP.To16()
	}
	var b strings.Builder
	for i := 0; i < len(ip); i += 4 {
		var w [4]byte
		binary.NativeEndian.PutUint32(w[:], binary.BigEndian.Uint32(ip[i:i+4]))
		b.WriteString(strings.ToUpper(hex.EncodeToString(w[:])))
	}
	return fmt.Sprintf("%s:%04X", b.String(), a.Port)
}

// findSocketOwner returns the PID and executable of the process holding
// the socket inode, or zeros.
func findSocketOwner(inode uint64) (int, string) {
	target := "socket:[" + strconv.FormatUint(inode, 10) + "]"
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, ""
	}
	for _, d := range procs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		fdDir := filepath.Join("/proc", d.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && l == target {
				exe, _ := os.Readlink(filepath.Join("/proc", d.Name(), "exe"))
				return pid, exe
			}
		}
	}
	return 0, ""
}
