// Builds each app with Vite when its dist/ is missing or older than its sources (or the shell's),
// so `npm start` always serves current apps without paying for a build on every start.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appsDir = fileURLToPath(new URL('..', import.meta.url));
const APPS = ['opd', 'ipd', 'lab', 'pharmacy'];
// Server modules an app bundles (pure ones: the lab's stages, ranges and test matching).
const SHARED_SOURCES: Record<string, string[]> = { lab: ['server/src/features/lab'] };

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => (f === 'node_modules' || f === 'dist' ? 0 : newest(join(path, f)))));
}

for (const app of APPS) {
  const dir = join(appsDir, app);
  const built = join(dir, 'dist', 'index.html');
  const sources = Math.max(
    newest(join(dir, 'src')),
    newest(join(dir, 'index.html')),
    newest(join(dir, 'vite.config.ts')),
    newest(join(appsDir, 'shell', 'src')),
    ...(SHARED_SOURCES[app] ?? []).map((p) => newest(join(appsDir, '..', p))),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources && process.argv[2] !== '--force') continue;
  console.log(`building the ${app} app (vite build)...`);
  execFileSync(process.execPath, [join(appsDir, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], {
    cwd: dir,
    stdio: 'inherit',
    // Always the production build: a caller's NODE_ENV (vitest sets `test`) would give React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
