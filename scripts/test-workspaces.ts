// Runs the workspaces' test suites in lanes that run at the same time: the server's suite (the
// longest, mostly waiting on PostgreSQL) beside the apps' (mostly waiting on the browser). Each
// lane's output is printed whole when it ends, so the log reads as if they ran one after another.
// Exits non-zero if any suite failed. Usage: node scripts/test-workspaces.ts
import { spawn } from 'node:child_process';

const LANES: string[][] = [
  ['@hospital-ops/server'],
  [
    '@hospital-ops/seed',
    '@hospital-ops/app-shell',
    '@hospital-ops/whatsapp-cloud-simulator',
    '@hospital-ops/abdm-gateway-simulator',
    '@hospital-ops/razorpay-simulator',
    '@hospital-ops/opd',
    // After the OPD's: both browser suites build the apps first (apps/scripts/build-if-stale.ts),
    // and two builds of one app at once would write the same dist/.
    '@hospital-ops/ipd',
    '@hospital-ops/lab',
    '@hospital-ops/pharmacy',
  ],
];

function run(workspace: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'test', '-w', workspace], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString() }));
  });
}

async function lane(workspaces: string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const workspace of workspaces) {
    const started = Date.now();
    const { code, output } = await run(workspace);
    process.stdout.write(`\n== ${workspace} (${Math.round((Date.now() - started) / 1000)} s, exit ${code})\n${output}`);
    if (code !== 0) failed.push(workspace);
  }
  return failed;
}

const failed = (await Promise.all(LANES.map(lane))).flat();
if (failed.length) {
  console.error(`\nFailed: ${failed.join(', ')}`);
  // Not process.exit(): output to a pipe (CI's tee) is written asynchronously, and exiting at once
  // cut the server's log off before vitest's summary and the failures' details.
  process.exitCode = 1;
}
