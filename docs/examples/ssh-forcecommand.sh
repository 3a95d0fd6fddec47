#!/bin/sh
# An ssh ForceCommand that asks the person at the desk before running what
# the ssh client asked for. In /etc/ssh/sshd_config:
#
#   Match User deploy
#       ForceCommand /usr/local/lib/tessera/ssh-approve.sh
#
# Pair once as the account the command runs as:
#   tessera approve pair --name "ssh on $(hostname)" --save ~/.config/tessera-ssh-client.json
# On a server without Tessera's window, forward the desk's endpoint with
# ssh -R (see ssh-reverse.md).
#
# A command that Tessera cannot show (over 200 bytes are cut; control
# characters make the request fail) is refused: this fails closed.
TESSERA=/usr/local/bin/tessera
CLIENT="$HOME/.config/tessera-ssh-client.json"

cmd="${SSH_ORIGINAL_COMMAND:-an interactive shell}"
cmd="$(printf '%.200s' "$cmd")"
if ! "$TESSERA" approve request --client "$CLIENT" \
	--login-hint "$(id -un)" \
	--message "ssh to $(hostname | cut -c1-40)" \
	--context "command=$cmd" \
	--context "remote_addr=${SSH_CLIENT%% *}" \
	--timeout 60s >&2; then
	echo "not approved at the desk" >&2
	exit 1
fi
if [ -n "$SSH_ORIGINAL_COMMAND" ]; then
	exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
fi
exec "${SHELL:-/bin/sh}" -l
