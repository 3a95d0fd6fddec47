// One CIBA flow with the stock openid-client against Tessera, driven by
// app/approve's interop test. Usage:
//   node ciba.mjs MODE ISSUER CLIENT_ID CLIENT_SECRET basic|post ES256|EdDSA
// MODE: wait (poll until a result), expire (ask for the shortest expiry),
// fast (poll as fast as possible, to be told slow_down).
// Prints one line per event: "answer JSON", "poll STATUS ERROR",
// then "token JSON" or "error JSON".
import * as client from 'openid-client';

const [mode, issuer, clientId, secret, auth, alg] = process.argv.slice(2);
const authFn = auth === 'post' ? client.ClientSecretPost(secret) : client.ClientSecretBasic(secret);
try {
  const config = await client.discovery(new URL(issuer), clientId, { id_token_signed_response_alg: alg }, authFn, {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
  config[client.customFetch] = async (url, options) => {
    const resp = await fetch(url, options);
    if (url.toString().endsWith('/token')) {
      const body = await resp.clone().json().catch(() => ({}));
      console.log(`poll ${resp.status} ${body.error ?? '-'}`);
    }
    return resp;
  };
  const answer = await client.initiateBackchannelAuthentication(config, {
    scope: 'openid',
    login_hint: 'alice',
    binding_message: 'deploy web-3',
    requested_expiry: mode === 'expire' ? '1' : '60',
    context_host: 'build-1',
  });
  console.log('answer ' + JSON.stringify(answer));
  const poll = mode === 'fast' ? { ...answer, interval: 0 } : answer;
  const tokens = await client.pollBackchannelAuthenticationGrant(config, poll, undefined, {
    signal: AbortSignal.timeout(60000),
  });
  const header = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url'));
  console.log('token ' + JSON.stringify({ claims: tokens.claims(), header, token_type: tokens.token_type }));
} catch (e) {
  console.log('error ' + JSON.stringify({ name: e.constructor.name, error: e.error ?? null, message: e.message }));
}
