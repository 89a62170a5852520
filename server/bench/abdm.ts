// npm run bench:abdm: Fidelius throughput beside node:crypto's bare AES-256-GCM on the same
// bytes, with the key agreement (key parsing, ECDH, HKDF) timed apart because it is paid once per
// data push, not per byte; then a 100-care-context data request end to end (abdm-transfer.ts).
// Writes docs/abdm-benchmarks.md.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { decryptWith, encryptWith, fideliusKey, generateKeyMaterial } from '../src/features/abdm/fidelius/index.ts';
import { measureTransfer } from './abdm-transfer.ts';
import { writeMarkdownReport } from './report-file.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);

/** Runs fn repeatedly for about SECONDS; returns milliseconds per call (best of 3 rounds). */
function time(fn: () => void): number {
  fn(); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < (SECONDS * 1000) / 3);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

const hip = generateKeyMaterial();
const hiu = generateKeyMaterial();
const hipKey = fideliusKey(hip.privateKey, hiu.publicKey, hip.nonce, hiu.nonce);
const hiuKey = fideliusKey(hiu.privateKey, hip.x509PublicKey, hiu.nonce, hip.nonce);

const bareSeal = (data: Buffer) => {
  const c = createCipheriv('aes-256-gcm', hipKey.key, hipKey.iv);
  return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
};
const bareOpen = (sealed: Buffer) => {
  const d = createDecipheriv('aes-256-gcm', hipKey.key, hipKey.iv);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
};

const rows: string[] = [];
const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
for (const size of [16 * 1024, 1024 * 1024, 8 * 1024 * 1024]) {
  // A FHIR document is JSON text: encrypt a string, as the HIP does.
  const text = randomBytes(Math.ceil((size * 3) / 4))
    .toString('base64')
    .slice(0, size);
  const data = Buffer.from(text);
  const sealed = encryptWith(hipKey, text);
  const bare = bareSeal(data);
  const fEnc = time(() => encryptWith(hipKey, text));
  const fDec = time(() => decryptWith(hiuKey, sealed));
  const bEnc = time(() => bareSeal(data));
  const bDec = time(() => bareOpen(bare));
  const label = size >= 1024 * 1024 ? `${size / 1024 / 1024} MB` : `${size / 1024} KB`;
  rows.push(`| ${label} | ${mbps(size, fEnc)} | ${mbps(size, bEnc)} | ${mbps(size, fDec)} | ${mbps(size, bDec)} |`);
  console.log(rows.at(-1));
}

const keyAgreement = time(() => fideliusKey(hiu.privateKey, hip.x509PublicKey, hiu.nonce, hip.nonce));
const keyGeneration = time(() => generateKeyMaterial());
console.log(`key agreement ${keyAgreement.toFixed(2)} ms, key generation ${keyGeneration.toFixed(2)} ms`);

const CARE_CONTEXTS = Number(process.env.BENCH_CARE_CONTEXTS ?? 100);
const transfer = await measureTransfer(CARE_CONTEXTS);
const perContext = transfer.totalMs / transfer.careContexts;
console.log(
  `${CARE_CONTEXTS} care contexts: ${(transfer.totalMs / 1000).toFixed(2)} s end to end (HIP ${(transfer.hipMs / 1000).toFixed(2)} s), ` +
    `${CARE_CONTEXTS} reads ${(transfer.readsMs / 1000).toFixed(2)} s, ${(transfer.bytes / 1e6).toFixed(1)} MB`,
);

const report = `# ABDM benchmarks

Written by \`npm run bench:abdm\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version},
${cpus().length} CPUs: ${cpus()[0]?.model ?? 'unknown'}; a shared machine, so numbers move by ±20%).

## Fidelius throughput

MB/s (10^6 bytes of plaintext per second), one core. "Fidelius" is what an HIP or HIU calls per
data-push entry: UTF-8 encoding, AES-256-GCM, tag, base64 (and on decrypt the base64 check,
decoding and tag verification). "Bare" is node:crypto's AES-256-GCM on the same bytes with the
same key, no encoding. The difference is the base64 and the copies around it.

| plaintext | Fidelius encrypt | bare AES-GCM encrypt | Fidelius decrypt | bare AES-GCM decrypt |
| --------- | ---------------- | -------------------- | ---------------- | -------------------- |
${rows.join('\n')}

## Key agreement, apart

| step | ms per call |
| ---- | ----------- |
| key agreement: parse own private key and the peer's X.509 key (on-curve and subgroup checks), ECDH, HKDF | ${keyAgreement.toFixed(2)} |
| key generation (\`gkm\`): random scalar, public point, both encodings, nonce | ${keyGeneration.toFixed(2)} |

The key agreement is paid once per data push (one keyMaterial covers every entry of a page), so
at these rates it is small beside the AES work on any document over a few kilobytes.

## A ${transfer.careContexts}-care-context data request, end to end

One patient with ${transfer.careContexts} finished OPD visits at the HIP (tenant A); the HIU (tenant B, same
server) asks for OP consultations; the patient grants all ${transfer.careContexts} in the simulated PHR app. Timed
from the grant to the HIU holding every document imported (fetched artefact, data request, HIP
building each OPConsultRecord from the repository, Fidelius per page with a fresh key, push, HIU
decrypt, checksum, IG validation, import with its Provenance). PostgreSQL ${transfer.pgVersion} on the same
machine; the gateway runs in the benchmark's process. Goal: under 5 s for the platform's part.

| measure | value |
| ------- | ----- |
| grant → all ${transfer.careContexts} documents imported at the HIU | **${(transfer.totalMs / 1000).toFixed(2)} s** (${perContext.toFixed(0)} ms per care context) |
| of which the HIP: request received → last page pushed and notified | ${(transfer.hipMs / 1000).toFixed(2)} s |
| documents moved (plaintext FHIR JSON) | ${(transfer.bytes / 1e6).toFixed(1)} MB |
| baseline in the same run: ${transfer.careContexts} Encounter reads by id over the API, one after another | ${(transfer.readsMs / 1000).toFixed(2)} s |
| ratio: the transfer against the baseline reads | ${(transfer.totalMs / transfer.readsMs).toFixed(1)}× |

Where the time goes (profiled 2026-12-07 at 20 and 40 care contexts, same machine): about 80
database statements per care context, most of them the HIP building the document (an
OPConsultRecord's dozen section searches in its own read-only snapshot, then a read per referenced
resource), the rest the HIU's import; each statement costs about a millisecond of socket writes and
waits on this virtual machine, which is most of the time. Encryption is under 10 ms per page,
validation (HIP before sending, HIU on receipt and on write) about 40 ms per document. The HIP
builds four care contexts' documents at once.

**Goal not met** (under 5 s for 100). What would meet it: build a request's documents from one
search per section over all its encounters (\`encounter=a,b,c…\`, grouped in memory) instead of
a dozen searches per document, with the patient-level sections (allergies, problem list, family
history) and the shared references read once per request; and import each pushed page at the HIU
in one transaction with its Provenance. Both cut the statements per care context by an order of
magnitude without changing what is sent.
`;
writeMarkdownReport(new URL('../../docs/abdm-benchmarks.md', import.meta.url), report);
console.log('wrote docs/abdm-benchmarks.md');
