// Starts the platform from the environment (see main.ts, which loads this after the compile cache).
import { ConfigError, loadConfig } from './config.ts';
import { DataDirError } from './db/data-lock.ts';
import { enableDemoBots } from './features/demo/bots.ts';
import { startDemoWhatsApp } from './features/demo/whatsapp.ts';
import { startServer } from './server.ts';

try {
  const demoWhatsApp = await startDemoWhatsApp(loadConfig(process.env));
  const server = await startServer({ ...process.env, ...demoWhatsApp?.env });
  const demoBots = await enableDemoBots(server);
  if (demoBots.length) server.logger.info({ bots: demoBots }, 'demo: hospital bots enabled for the demo tenant (first start)');
  if (demoWhatsApp) {
    await demoWhatsApp.attach(server);
    server.logger.info(
      { url: demoWhatsApp.url },
      "demo WhatsApp: the local Cloud API simulator receives the demo's messages; its page shows what each phone received",
    );
  }
  let signalled = false;
  const shutdown = async (signal: string) => {
    if (signalled) return;
    signalled = true;
    // SIGTERM comes from an orchestrator that may route traffic here: readiness goes false first.
    // SIGINT is a person at the terminal: no reason to wait.
    const readinessDelayMs = signal === 'SIGTERM' ? server.config.SHUTDOWN_READINESS_DELAY_MS : 0;
    server.logger.info({ signal, readinessDelayMs }, 'shutting down: not ready; finishing in-flight requests');
    try {
      await server.stop({ readinessDelayMs });
      await demoWhatsApp?.stop();
    } catch (err) {
      server.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
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
