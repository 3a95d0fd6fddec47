/* A small driver of libsodium's crypto_secretstream_xchacha20poly1305, so
 * that the Go implementation is checked against libsodium itself.
 *
 *   secretstream seal KEYHEX CHUNK REKEYAT < plaintext > header ciphertext
 *   secretstream open KEYHEX CHUNK < header ciphertext > plaintext
 *
 * seal cuts standard input into messages of CHUNK bytes, the last tagged
 * FINAL and message number REKEYAT (from 0; -1 for none) tagged REKEY.
 * open pulls messages of CHUNK bytes of plaintext and fails (exit 1)
 * unless every one authenticates and the last is FINAL. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_all(size_t *len) {
	size_t cap = 1 << 16, n = 0, r;
	unsigned char *buf = malloc(cap);
	while ((r = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	*len = n;
	return buf;
}

int main(int argc, char **argv) {
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	size_t len, chunk, off = 0, keylen;
	unsigned char *in;

	if (argc < 4 || sodium_init() < 0) return 2;
	if (sodium_hex2bin(key, sizeof key, argv[2], strlen(argv[2]), NULL, &keylen, NULL) != 0 || keylen != sizeof key) return 2;
	chunk = (size_t)atol(argv[3]);
	in = read_all(&len);
	if (strcmp(argv[1], "seal") == 0) {
		long rekey_at = argc > 4 ? atol(argv[4]) : -1, i = 0;
		unsigned char *out = malloc(chunk + crypto_secretstream_xchacha20poly1305_ABYTES);
		unsigned long long outlen;
		crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
		fwrite(header, 1, sizeof header, stdout);
		do {
			size_t n = len - off < chunk ? len - off : chunk;
			unsigned char tag = off + n == len ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
				: i == rekey_at ? crypto_secretstream_xchacha20poly1305_TAG_REKEY
				: crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
			crypto_secretstream_xchacha20poly1305_push(&st, out, &outlen, in + off, n, NULL, 0, tag);
			fwrite(out, 1, outlen, stdout);
			off += n;
			i++;
		} while (off < len);
		return 0;
	}
	if (strcmp(argv[1], "open") == 0) {
		unsigned char *out = malloc(chunk + 1), tag = 0;
		unsigned long long outlen;
		if (len < sizeof header || crypto_secretstream_xchacha20poly1305_init_pull(&st, in, key) != 0) return 1;
		off = sizeof header;
		while (off < len) {
			size_t n = len - off < chunk + crypto_secretstream_xchacha20poly1305_ABYTES ? len - off : chunk + crypto_secretstream_xchacha20poly1305_ABYTES;
			if (crypto_secretstream_xchacha20poly1305_pull(&st, out, &outlen, &tag, in + off, n, NULL, 0) != 0) return 1;
			fwrite(out, 1, outlen, stdout);
			off += n;
		}
		return tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL ? 0 : 1;
	}
	return 2;
}
