import type { Logger } from './logger';

/** How long a process may take to stop once told to: an orchestrator's grace period is usually 30 s; 10 s leaves room. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Stops the process cleanly on SIGTERM or SIGINT: `close` drains what it
 * holds, and the process exits 0 when it has. If it has not within the
 * deadline (a peer that never answers, a socket that never drains) the
 * process exits 1 anyway rather than be killed mid-write; a second signal
 * exits at once, for an operator who means it.
 */
export function exitOnSignal(close: () => Promise<void>, logger: Logger, deadlineMs = SHUTDOWN_DEADLINE_MS): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    logger.info('stopping', { signal, deadlineMs });
    setTimeout(() => {
      logger.error('did not stop within the deadline; exiting', { deadlineMs });
      process.exit(1);
    }, deadlineMs).unref();
    close().then(
      () => {
        logger.info('stopped', { ms: Date.now() - started });
        process.exit(0);
      },
      (err) => {
        logger.error('stopping failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
