package exportgen

import (
	"encoding/binary"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/poly1305" //lint:ignore SA1019 libsodium's secretstream is built on bare Poly1305; no maintained Go module implements it
)

// SecretstreamSeal encrypts messages as libsodium's
// crypto_secretstream_xchacha20poly1305 push side does and returns the
// stream's header and the encrypted messages one after the other. tags[i]
// is message i's tag (0 message, 1 push, 2 rekey, 3 final); with tags nil
// every message is 0 but the last, which is final.
func SecretstreamSeal(key []byte, messages [][]byte, tags []byte) (header, out []byte) {
	header = random(24)
	k, err := chacha20.HChaCha20(key, header[:16])
	if err != nil {
		panic(err)
	}
	var nonce [12]byte
	binary.LittleEndian.PutUint32(nonce[:4], 1)
	copy(nonce[4:], header[16:])
	for i, m := range messages {
		var tag byte
		switch {
		case tags != nil:
			tag = tags[i]
		case i == len(messages)-1:
			tag = 3
		}
		out = append(out, push(k, &nonce, m, tag)...)
	}
	return header, out
}

// push is one message of crypto_secretstream_xchacha20poly1305_push.
func push(k []byte, nonce *[12]byte, m []byte, tag byte) []byte {
	ciph, _ := chacha20.NewUnauthenticatedCipher(k, nonce[:])
	var polyKey [32]byte
	ciph.XORKeyStream(polyKey[:], polyKey[:])
	mac := poly1305.New(&polyKey)
	var block [64]byte
	block[0] = tag
	ciph.SetCounter(1)
	ciph.XORKeyStream(block[:], block[:])
	mac.Write(block[:])
	c := make([]byte, 1+len(m)+16)
	c[0] = block[0]
	ciph.SetCounter(2)
	ciph.XORKeyStream(c[1:1+len(m)], m)
	mac.Write(c[1 : 1+len(m)])
	var zeros [16]byte
	mac.Write(zeros[:len(m)%16])
	var lens [16]byte
	binary.LittleEndian.PutUint64(lens[8:], uint64(64+len(m)))
	mac.Write(lens[:])
	mac.Sum(c[1+len(m) : 1+len(m)])
	for i := range 8 {
		nonce[4+i] ^= c[1+len(m)+i]
	}
	ctr := binary.LittleEndian.Uint32(nonce[:4]) + 1
	binary.LittleEndian.PutUint32(nonce[:4], ctr)
	if tag&2 != 0 || ctr == 0 {
		var buf [40]byte
		copy(buf[:32], k)
		copy(buf[32:], nonce[4:])
		r, _ := chacha20.NewUnauthenticatedCipher(k, nonce[:])
		r.XORKeyStream(buf[:], buf[:])
		copy(k, buf[:32])
		copy(nonce[4:], buf[32:])
		binary.LittleEndian.PutUint32(nonce[:4], 1)
	}
	return c
}
