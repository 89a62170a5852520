import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The CLI is spawned as integrators run it; `npm run -s fidelius` once, to check the wiring.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = fileURLToPath(new URL('../../../src/features/abdm/fidelius/cli.ts', import.meta.url));
const vector = JSON.parse(readFileSync(new URL('fixtures/fidelius-vectors.json', import.meta.url), 'utf8')).vectors[1];

function fidelius(args: string[], stdin?: string, viaNpm = false): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = viaNpm
      ? spawn('npm', ['run', '-s', 'fidelius', '--', ...args], { cwd: root })
      : spawn(process.execPath, [cli, ...args], { cwd: root });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
    child.stdin.end(stdin ?? '');
  });
}

describe('npm run fidelius', () => {
  it('gkm prints fresh key material in fidelius-cli shape', async () => {
    const { code, out } = await fidelius(['gkm'], undefined, true);
    expect(code).toBe(0);
    const km = JSON.parse(out);
    expect(Object.keys(km).sort()).toEqual(['nonce', 'privateKey', 'publicKey', 'x509PublicKey']);
    expect(km.publicKey).toHaveLength(88);
    expect(km.x509PublicKey).toHaveLength(412);
    expect(Buffer.from(km.x509PublicKey, 'base64').subarray(-65).equals(Buffer.from(km.publicKey, 'base64'))).toBe(true);
    expect(Buffer.from(km.nonce, 'base64')).toHaveLength(32);
  });

  it('e takes stringToEncrypt senderNonce requesterNonce senderPrivateKey requesterPublicKey', async () => {
    const { code, out } = await fidelius([
      'e',
      vector.plaintext,
      vector.senderNonce,
      vector.receiverNonce,
      vector.senderPrivateKey,
      vector.receiverPublicKeyRaw,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ encryptedData: vector.encryptedData });
  });

  it('d takes encryptedData requesterNonce senderNonce requesterPrivateKey senderPublicKey (either encoding)', async () => {
    for (const senderPublicKey of [vector.senderPublicKeyX509, vector.senderPublicKeyRaw]) {
      const { code, out } = await fidelius([
        'd',
        vector.encryptedData,
        vector.receiverNonce,
        vector.senderNonce,
        vector.receiverPrivateKey,
        senderPublicKey,
      ]);
      expect(code).toBe(0);
      expect(JSON.parse(out)).toEqual({ decryptedData: vector.plaintext });
    }
  });

  it('- reads one JSON object from standard input, for payloads too large for a command line', async () => {
    const gkm = async () => JSON.parse((await fidelius(['gkm'])).out);
    const [hip, hiu] = [await gkm(), await gkm()];
    const big = `{"resourceType":"Bundle","text":"${'अ'.repeat(1_500_000)}"}`; // 4.5 MB
    const enc = await fidelius(
      ['-'],
      JSON.stringify({
        command: 'e',
        stringToEncrypt: big,
        senderNonce: hip.nonce,
        requesterNonce: hiu.nonce,
        senderPrivateKey: hip.privateKey,
        requesterPublicKey: hiu.publicKey,
      }),
    );
    expect(enc.code).toBe(0);
    const { encryptedData } = JSON.parse(enc.out);
    const dec = await fidelius(
      ['-'],
      JSON.stringify({
        command: 'd',
        encryptedData,
        requesterNonce: hiu.nonce,
        senderNonce: hip.nonce,
        requesterPrivateKey: hiu.privateKey,
        senderPublicKey: hip.x509PublicKey,
      }),
    );
    expect(dec.code).toBe(0);
    expect(JSON.parse(dec.out).decryptedData === big).toBe(true);
  });

  it('refuses a tampered ciphertext, a malformed key and bad usage, on stderr with a non-zero exit', async () => {
    const altered = Buffer.from(vector.encryptedData, 'base64');
    altered[10] ^= 0x80;
    const tampered = await fidelius([
      'd',
      altered.toString('base64'),
      vector.receiverNonce,
      vector.senderNonce,
      vector.receiverPrivateKey,
      vector.senderPublicKeyX509,
    ]);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toBe('');
    expect(JSON.parse(tampered.err.split('\n')[0]).code).toBe('decryption-failed');

    const badKey = await fidelius(['e', 'x', vector.senderNonce, vector.receiverNonce, vector.senderPrivateKey, 'BAAA']);
    expect(badKey.code).toBe(1);
    expect(JSON.parse(badKey.err.split('\n')[0]).code).toBe('malformed-public-key');

    for (const [args, stdin] of [
      [['e', 'too', 'few'], undefined],
      [['nope'], undefined],
      [['-'], 'not json'],
      [['-'], '{"command":"gkm"}'],
      [['-'], '{"command":"d","encryptedData":"AAAA"}'],
    ] as Array<[string[], string | undefined]>) {
      const r = await fidelius(args, stdin);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/usage:/);
    }
  });
});
