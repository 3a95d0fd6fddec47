// Tessera's security-key page: runs the WebAuthn ceremony that Tessera
// started and sends the browser's answers back to it. The one-time token
// is in the URL's fragment; every answer from Tessera carries the token for
// the next step.
'use strict';

(function () {
	const $ = (id) => document.getElementById(id);

	// show sets what the page says; state is "working", "done" or "failed".
	function show(state, what, status) {
		document.body.dataset.state = state;
		if (what !== undefined) {
			$('what').textContent = what;
		}
		$('status').textContent = status || '';
		$('next').hidden = state === 'working';
		$('cancel').hidden = state !== 'working';
	}

	// Base64url without padding, to and from ArrayBuffers.
	function enc(buf) {
		const bytes = new Uint8Array(buf);
		let s = '';
		for (let i = 0; i < bytes.length; i++) {
			s += String.fromCharCode(bytes[i]);
		}
		return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
	}
	function dec(s) {
		const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
		const out = new Uint8Array(b.length);
		for (let i = 0; i < b.length; i++) {
			out[i] = b.charCodeAt(i);
		}
		return out.buffer;
	}

	// TesseraError is a refusal from Tessera, which already knows of it.
	class TesseraError extends Error {}

	async function post(path, body) {
		const r = await fetch(path, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
			credentials: 'omit',
			cache: 'no-store',
			redirect: 'error',
			referrerPolicy: 'no-referrer',
		});
		let answer;
		try {
			answer = await r.json();
		} catch (e) {
			throw new TesseraError('Tessera gave an answer this page does not understand (HTTP ' + r.status + ').');
		}
		if (!r.ok) {
			throw new TesseraError(answer.error || 'Tessera refused (HTTP ' + r.status + ').');
		}
		return answer;
	}

	function prfValues(v) {
		const out = { first: dec(v.first) };
		if (v.second) {
			out.second = dec(v.second);
		}
		return out;
	}

	function creationOptions(o) {
		o.challenge = dec(o.challenge);
		o.user.id = dec(o.user.id);
		for (const c of o.excludeCredentials || []) {
			c.id = dec(c.id);
		}
		return o;
	}

	function requestOptions(o) {
		o.challenge = dec(o.challenge);
		for (const c of o.allowCredentials || []) {
			c.id = dec(c.id);
		}
		const prf = o.extensions && o.extensions.prf;
		if (prf && prf.eval) {
			prf.eval = prfValues(prf.eval);
		}
		if (prf && prf.evalByCredential) {
			for (const id of Object.keys(prf.evalByCredential)) {
				prf.evalByCredential[id] = prfValues(prf.evalByCredential[id]);
			}
		}
		return o;
	}

	// extensionResults keeps the PRF output only: Tessera asked for no
	// other extension and refuses outputs it did not ask for.
	function extensionResults(cred) {
		const all = cred.getClientExtensionResults();
		if (!all.prf) {
			return {};
		}
		const prf = {};
		if (all.prf.enabled !== undefined) {
			prf.enabled = all.prf.enabled;
		}
		if (all.prf.results) {
			prf.results = { first: enc(all.prf.results.first) };
			if (all.prf.results.second) {
				prf.results.second = enc(all.prf.results.second);
			}
		}
		return { prf: prf };
	}

	function created(cred) {
		const r = cred.response;
		return {
			id: cred.id,
			rawId: enc(cred.rawId),
			type: cred.type,
			authenticatorAttachment: cred.authenticatorAttachment || undefined,
			response: {
				clientDataJSON: enc(r.clientDataJSON),
				attestationObject: enc(r.attestationObject),
				transports: r.getTransports ? r.getTransports() : [],
			},
			clientExtensionResults: extensionResults(cred),
		};
	}

	function asserted(cred) {
		const r = cred.response;
		return {
			id: cred.id,
			rawId: enc(cred.rawId),
			type: cred.type,
			authenticatorAttachment: cred.authenticatorAttachment || undefined,
			response: {
				clientDataJSON: enc(r.clientDataJSON),
				authenticatorData: enc(r.authenticatorData),
				signature: enc(r.signature),
				userHandle: r.userHandle ? enc(r.userHandle) : undefined,
			},
			clientExtensionResults: extensionResults(cred),
		};
	}

	// plainError says in plain words what a failed WebAuthn call means.
	function plainError(e) {
		switch (e.name) {
			case 'AbortError':
				return 'Cancelled.';
			case 'NotAllowedError':
				return 'The security key did not answer in time, or the request was cancelled.';
			case 'InvalidStateError':
				return 'This security key is already enrolled in this vault.';
			case 'NotSupportedError':
				return 'This browser or security key cannot do what Tessera needs.';
			case 'SecurityError':
				return 'The browser refused: open the link exactly as Tessera gave it (http://localhost:…).';
			default:
				return 'The security key or the browser failed: ' + (e.message || e.name || e) + '.';
		}
	}

	async function run() {
		const token = location.hash.slice(1);
		// The token is good once: keep it out of the address bar and history.
		history.replaceState(null, '', location.pathname);
		if (!token) {
			show('failed', 'This page needs the link Tessera gave you.', 'Start again from Tessera.');
			return;
		}
		let current = token;
		const aborter = new AbortController();
		$('cancel').addEventListener('click', () => aborter.abort());
		try {
			if (!window.PublicKeyCredential || !navigator.credentials) {
				const e = new Error('this browser cannot talk to security keys (no WebAuthn)');
				e.name = 'NotSupportedError';
				throw e;
			}
			let step = await post('start', { token: current });
			const enrol = step.kind === 'enrol';
			let touches = 0;
			for (;;) {
				current = step.token;
				touches++;
				if (enrol) {
					show('working', 'Enrolling a security key.',
						touches === 1 ? 'Touch your security key (the browser may ask for its PIN).' : 'Touch your security key once more to finish.');
				} else {
					show('working', 'Unlocking Tessera with your security key.', 'Touch your security key (the browser may ask for its PIN).');
				}
				let body;
				if (step.create) {
					const cred = await navigator.credentials.create({ publicKey: creationOptions(step.create), signal: aborter.signal });
					body = created(cred);
				} else {
					const cred = await navigator.credentials.get({ publicKey: requestOptions(step.get), signal: aborter.signal });
					body = asserted(cred);
				}
				step = await post('finish', { token: current, credential: body });
				if (step.done) {
					show('done', undefined, step.message);
					return;
				}
			}
		} catch (e) {
			if (e instanceof TesseraError) {
				show('failed', undefined, e.message);
				return;
			}
			show('failed', undefined, plainError(e));
			try {
				await post('fail', { token: current, name: String(e.name || 'Error'), message: String(e.message || '') });
			} catch (e2) {
				// Tessera already ended the ceremony; what it said is not news.
			}
		}
	}

	document.addEventListener('DOMContentLoaded', run);
	// A new link pasted into this tab only changes the fragment, which does
	// not load the page again: load it, so that the new ceremony runs.
	window.addEventListener('hashchange', () => location.reload());
})();
