import type { ChildProcess } from 'node:child_process';

/**
 * Stops a bench child: SIGTERM first, so it can end cleanly (and V8 write
 * its --cpu-prof profile), then SIGKILL after `graceMs`. Hive Gateway
 * answers SIGTERM by disposing its runtime but leaves its HTTP server
 * open, and a child left running keeps the bench (its pipes and IPC
 * channel) alive after the table is printed.
 */
export function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}
