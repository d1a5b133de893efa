// Minimal JWT minting for the conformance suite (HS256, RS256 and the forbidden `alg: none`).
import { createHmac, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';

/** HS256 secret every node started by the harness gets unless a test overrides JWT_SECRET. */
export const DEFAULT_SECRET = 'conformance-suite-hs256-secret-0123456789abcdef';

const b64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims with a one-hour expiry unless `exp` is given; `undefined` fields are dropped. */
export function claims({ sub, name, exp = nowSeconds() + 3600, iss, aud, ...rest } = {}) {
  const out = { sub, name, exp, iat: nowSeconds(), iss, aud, ...rest };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

export function signHs256(payload, secret = DEFAULT_SECRET) {
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

export function signRs256(payload, privateKey) {
  const head = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}`;
  const signer = createSign('RSA-SHA256');
  signer.update(head);
  return `${head}.${signer.sign(privateKey).toString('base64url')}`;
}

/** An unsigned token (`alg: none`), which every node must refuse. */
export function unsignedToken(payload) {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

/** A fresh RSA key pair; `publicPem` is what JWT_PUBLIC_KEY takes. */
export function rsaKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A new authenticated user with a unique id and a valid HS256 token. */
export function newUser(name = 'User', extraClaims = {}, secret = DEFAULT_SECRET) {
  const sub = `user-${randomUUID()}`;
  return { sub, name, token: signHs256(claims({ sub, name, ...extraClaims }), secret) };
}
