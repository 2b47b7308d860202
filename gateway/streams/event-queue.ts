import type { ExecutionResult } from 'graphql';

/** The most events one subscription may have waiting for its client before it is ended as too slow. */
export const MAX_QUEUED_EVENTS = 1_000;

/**
 * The async iterator graphql-ws and graphql-sse read one subscription's
 * events from: pushed by the hub, pulled by the transport, bounded so a
 * client that does not read cannot grow the gateway's memory.
 */
export class EventQueue implements AsyncIterableIterator<ExecutionResult> {
  private readonly items: ExecutionResult[] = [];
  private waiting: ((value: IteratorResult<ExecutionResult>) => void) | null = null;
  private failed: Error | null = null;
  private done = false;

  /** `onEnd` hears how the subscription ended: `complete`, or the code of the error it failed with. */
  constructor(private readonly onEnd: (how: string) => void) {}

  /** Whether the subscription ended (the client completed it, or it failed). */
  get closed(): boolean {
    return this.done;
  }

  /** False once the queue is full: the caller ends the subscription. */
  push(result: ExecutionResult): boolean {
    // An ended or failed subscription takes nothing more (its failure is reported once).
    if (this.done || this.failed) return true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: result, done: false });
      return true;
    }
    if (this.items.length >= MAX_QUEUED_EVENTS) return false;
    this.items.push(result);
    return true;
  }

  /** Ends the stream with an error the transport reports to the client. */
  fail(error: Error): void {
    if (this.done) return;
    this.failed = error;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      // Rejecting is how an iterator reports an error to graphql-ws.
      this.finish(codeOf(error));
      resolve(Promise.reject(error) as never);
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const item = this.items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.failed) {
      const error = this.failed;
      this.finish(codeOf(error));
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish('complete');
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the stream like an async generator given an error. graphql-sse ends only an iterator with `throw` when its client goes away. */
  throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.finish(error instanceof Error ? codeOf(error) : 'error');
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(how: string): void {
    if (this.done) return;
    this.done = true;
    this.items.length = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = null;
    this.onEnd(how);
  }
}

function codeOf(error: Error): string {
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' ? code : 'error';
}
