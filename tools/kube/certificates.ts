/**
 * X.509 certificates for the test control plane's client-certificate users, made with node:crypto alone
 * (Node can read certificates but not write them, and the tests should not need openssl): a client CA that
 * the API server trusts (`--client-ca-file`), and client certificates it signs, each naming a user (CN) and
 * its groups (O), as Kubernetes reads them. ECDSA P-256 keys, signed with SHA-256; DER written by hand.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  readonly cert: string;
  readonly key: string;
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const bits = (content: Buffer, unused = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unused]), content]));

/** A non-negative INTEGER: a leading zero byte when the high bit is set. */
function integer(value: Buffer): Buffer {
  return tlv(0x02, value[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a! + b!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) base128.unshift(0x80 | (v & 0x7f));
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime, YYMMDDHHMMSSZ (dates before 2050). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-01T20:05:12.000Z
  return tlv(
    0x17,
    Buffer.from(
      `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`,
    ),
  );
}

function name(commonName: string, organizations: readonly string[] = []): Buffer {
  return sequence(
    ...organizations.map((o) => set(sequence(oid(OID.organization), utf8(o)))),
    set(sequence(oid(OID.commonName), utf8(commonName))),
  );
}

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  sequence(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));

function certificate(options: {
  subject: Buffer;
  issuer: Buffer;
  publicKey: KeyObject;
  signingKey: KeyObject;
  extensions: Buffer[];
  days: number;
}): string {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const now = Date.now();
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(randomBytes(16)),
    algorithm,
    options.issuer,
    sequence(time(new Date(now - 60_000)), time(new Date(now + options.days * 86_400_000))),
    options.subject,
    options.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...options.extensions)),
  );
  const signature = sign('sha256', tbs, { key: options.signingKey, dsaEncoding: 'der' });
  const der = sequence(tbs, algorithm, bits(signature));
  const base64 = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

function keyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

const pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A self-signed CA that may sign certificates (and nothing else), valid for `days`. */
export function certificateAuthority(commonName: string, days = 2): CertificateAndKey {
  const { publicKey, privateKey } = keyPair();
  const subject = name(commonName);
  const cert = certificate({
    subject,
    issuer: subject,
    publicKey,
    signingKey: privateKey,
    days,
    extensions: [
      extension(OID.basicConstraints, true, sequence(tlv(0x01, Buffer.from([0xff])))),
      // digitalSignature and keyCertSign: bits 0 and 5, two unused bits.
      extension(OID.keyUsage, true, bits(Buffer.from([0x84]), 2)),
    ],
  });
  return { cert, key: pem(privateKey) };
}

/**
 * A client certificate for the user `user` in `groups`, signed by `ca`: the API server authenticates it as
 * that user (CN) with those groups (O).
 */
export function clientCertificate(
  ca: CertificateAndKey,
  caName: string,
  user: string,
  groups: readonly string[] = [],
  days = 2,
): CertificateAndKey {
  const { publicKey, privateKey } = keyPair();
  const cert = certificate({
    subject: name(user, groups),
    issuer: name(caName),
    publicKey,
    signingKey: createPrivateKey(ca.key),
    days,
    extensions: [
      extension(OID.basicConstraints, true, sequence()),
      // digitalSignature: bit 0, seven unused bits.
      extension(OID.keyUsage, true, bits(Buffer.from([0x80]), 7)),
      extension(OID.extKeyUsage, false, sequence(oid(OID.clientAuth))),
    ],
  });
  return { cert, key: pem(privateKey) };
}
