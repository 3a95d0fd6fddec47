#!/bin/sh
# Ask the person at the desk to approve a PAM authentication (sudo, login,
# su) through Tessera. Install:
#
#   1. As the desktop user, with Tessera's window open:
#        tessera approve pair --name "sudo on $(hostname)" --save sudo-client.json
#      (Tessera refuses pairing from another user's process, so pair as
#      yourself, then hand the file to root.)
#   2. sudo install -D -m 0600 -o root sudo-client.json /etc/tessera/sudo-client.json
#   3. sudo install -m 0755 pam_exec.sh /usr/local/lib/tessera/pam-approve.sh
#   4. In /etc/pam.d/sudo, before @include common-auth (approval AND password):
#        auth required pam_exec.so stdout /usr/local/lib/tessera/pam-approve.sh
#
# pam_exec gives the hook no PATH, so paths are absolute. With "stdout" the
# match code reaches the user's terminal. pam_exec has no timeout of its
# own: tessera approve request ends within --timeout plus 30 s.
# Exit 0 approves; any other exit (denied 1, expired 6, not paired 3)
# fails the authentication.
TESSERA=/usr/local/bin/tessera
CLIENT=/etc/tessera/sudo-client.json

exec "$TESSERA" approve request --client "$CLIENT" \
	--login-hint "${PAM_USER:-unknown}" \
	--message "${PAM_SERVICE:-pam} for ${PAM_USER:-unknown}" \
	--context "application=${PAM_SERVICE:-pam}" \
	${PAM_RHOST:+--context "remote_addr=$PAM_RHOST"} \
	--timeout 60s
