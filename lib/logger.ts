import { activeRequestId } from './request-id';
import { activeTraceIds } from './tracing';

/**
 * JSON-lines logger. One line per event so logs can be shipped and queried;
 * callers pass bindings (request id, subgraph) rather than formatting them in.
 * A line written while a request is being served also carries its request
 * id and the active span's `trace_id` and `span_id`, whoever writes it, so
 * any line leads to the request's trace and back.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Where finished lines go: warnings and errors to stderr, the rest to stdout, unless a test collects them. */
export type LogSink = (line: string, level: Exclude<LogLevel, 'silent'>) => void;

const standardStreams: LogSink = (line, level) => (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');

export function createLogger(level: LogLevel = 'info', bindings: Record<string, unknown> = {}, sink: LogSink = standardStreams): Logger {
  const threshold = LEVELS[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < threshold) return;
    const requestId = activeRequestId();
    const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...(requestId && { requestId }), ...activeTraceIds(), ...bindings, ...fields }, errorReplacer);
    sink(line, lvl);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (more) => createLogger(level, { ...bindings, ...more }, sink),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
