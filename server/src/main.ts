// The server's entry point. Node's on-disk compile cache comes first: compiling the server's
// modules is about 0.4 s of every start (docs/benchmarks.md, cold start); then the server itself.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./start.ts');
