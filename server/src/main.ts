import { ConfigError } from './config.ts';
import { DataDirError } from './db/data-lock.ts';
import { startServer } from './server.ts';

try {
  const server = await startServer();
  let signalled = false;
  const shutdown = async (signal: string) => {
    if (signalled) return;
    signalled = true;
    server.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      server.logger.error('graceful shutdown timed out');
      process.exit(1);
    }, 15_000);
    timer.unref();
    await server.stop();
    server.logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError || err instanceof DataDirError) {
    console.error(err.message);
  } else {
    console.error('Failed to start:', err);
  }
  process.exit(1);
}
