package imports

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/poly1305" //lint:ignore SA1019 libsodium's secretstream is built on bare Poly1305; no maintained Go module implements it
)

// libsodium's crypto_secretstream_xchacha20poly1305, the pull (decrypt)
// side, as Ente uses it. Each message is a one-byte encrypted tag, the
// ciphertext and a 16-byte MAC. The key is HChaCha20 of the key and the
// first 16 bytes of the 24-byte header; the nonce is a 32-bit counter
// starting at 1 and the header's last 8 bytes, mixed with each MAC.

const (
	streamHeaderBytes = 24
	streamABytes      = 17
	streamTagMessage  = 0x00
	streamTagPush     = 0x01
	streamTagRekey    = 0x02
	streamTagFinal    = streamTagPush | streamTagRekey
)

var errStream = errors.New("secretstream: message forged or damaged")

type pullStream struct {
	key   [32]byte
	nonce [12]byte // 4-byte little-endian counter, then 8 bytes of inonce
}

func newPullStream(key, header []byte) (*pullStream, error) {
	if len(key) != 32 || len(header) != streamHeaderBytes {
		return nil, errors.New("secretstream: key or header of the wrong size")
	}
	sub, err := chacha20.HChaCha20(key, header[:16])
	if err != nil {
		return nil, err
	}
	s := &pullStream{}
	copy(s.key[:], sub)
	clear(sub)
	s.resetCounter()
	copy(s.nonce[4:], header[16:])
	return s, nil
}

func (s *pullStream) resetCounter() {
	binary.LittleEndian.PutUint32(s.nonce[:4], 1)
}

// pull authenticates and decrypts one message, returning it and its tag.
func (s *pullStream) pull(c, ad []byte) ([]byte, byte, error) {
	if len(c) < streamABytes {
		return nil, 0, errStream
	}
	mlen := len(c) - streamABytes
	ciph, err := chacha20.NewUnauthenticatedCipher(s.key[:], s.nonce[:])
	if err != nil {
		return nil, 0, err
	}
	var polyKey [32]byte
	ciph.XORKeyStream(polyKey[:], polyKey[:]) // block 0
	mac := poly1305.New(&polyKey)
	clear(polyKey[:])
	var zeros [16]byte
	mac.Write(ad)
	mac.Write(zeros[:(16-len(ad)%16)%16])

	// Block 1: the tag byte, encrypted; the MAC covers the whole block.
	ciph.SetCounter(1)
	var block [64]byte
	block[0] = c[0]
	ciph.XORKeyStream(block[:], block[:])
	tag := block[0]
	block[0] = c[0]
	mac.Write(block[:])

	body := c[1 : 1+mlen]
	mac.Write(body)
	// libsodium pads the ciphertext with mlen%16 zero bytes (its
	// expression (0x10 - 64 + mlen) & 0xf), not up to a multiple of 16.
	mac.Write(zeros[:mlen%16])
	var lens [16]byte
	binary.LittleEndian.PutUint64(lens[:8], uint64(len(ad)))
	binary.LittleEndian.PutUint64(lens[8:], uint64(64+mlen))
	mac.Write(lens[:])
	var sum [16]byte
	mac.Sum(sum[:0])
	if subtle.ConstantTimeCompare(sum[:], c[1+mlen:]) != 1 {
		return nil, 0, errStream
	}

	m := make([]byte, mlen)
	ciph.SetCounter(2)
	ciph.XORKeyStream(m, body)

	for i := range 8 {
		s.nonce[4+i] ^= sum[i]
	}
	ctr := binary.LittleEndian.Uint32(s.nonce[:4]) + 1
	binary.LittleEndian.PutUint32(s.nonce[:4], ctr)
	if tag&streamTagRekey != 0 || ctr == 0 {
		s.rekey()
	}
	return m, tag, nil
}

// rekey derives the next key and inonce from the current ones.
func (s *pullStream) rekey() {
	var buf [40]byte
	copy(buf[:32], s.key[:])
	copy(buf[32:], s.nonce[4:])
	ciph, _ := chacha20.NewUnauthenticatedCipher(s.key[:], s.nonce[:])
	ciph.XORKeyStream(buf[:], buf[:])
	copy(s.key[:], buf[:32])
	copy(s.nonce[4:], buf[32:])
	clear(buf[:])
	s.resetCounter()
}

// openStream decrypts a whole secretstream of messages of at most
// chunk bytes of plaintext each, which must end with a final tag.
func openStream(key, header, ct []byte, chunk int) ([]byte, error) {
	s, err := newPullStream(key, header)
	if err != nil {
		return nil, err
	}
	defer clear(s.key[:])
	var out []byte
	for len(ct) > 0 {
		n := min(len(ct), chunk+streamABytes)
		m, tag, err := s.pull(ct[:n], nil)
		if err != nil {
			clear(out)
			return nil, err
		}
		out = append(out, m...)
		clear(m)
		ct = ct[n:]
		if tag == streamTagFinal {
			if len(ct) > 0 {
				clear(out)
				return nil, errors.New("secretstream: data after the final message")
			}
			return out, nil
		}
	}
	clear(out)
	return nil, errors.New("secretstream: the stream ends without its final message (truncated)")
}
