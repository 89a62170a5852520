// The server under benchmark, in its own process; tells the parent when it listens.
import { startServer } from '../src/server.ts';
import { ensureTenant } from '../src/tenancy/tenants.ts';

const server = await startServer();
await ensureTenant(server.db, server.config.TENANT_ID, 'Benchmark tenant');
process.send?.('ready');
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
