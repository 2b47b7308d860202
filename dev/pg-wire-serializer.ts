import net, { type Socket } from 'node:net';

/**
 * A relay in front of pglite-socket that gives one client connection at a
 * time the single PGlite backend, from its first message until everything
 * it sent has been answered and the backend is idle (ReadyForQuery 'I').
 *
 * Why: pglite-socket queues individual protocol messages across
 * connections and pins a connection only inside a transaction, so two
 * connections' Parse/Bind/Execute/Sync batches interleave and bind against
 * each other's unnamed statement (electric-sql/pglite#1046, open). PGlite
 * runs one query at a time anyway, so holding the backend for a whole
 * batch or transaction costs nothing but that bug.
 */
export function createSerializingRelay(target: { host: string; port: number }): net.Server {
  let owner: Connection | null = null;
  const waiting: Connection[] = [];

  const grant = () => {
    while (!owner && waiting.length) {
      const next = waiting.shift()!;
      if (next.closed) continue;
      owner = next;
      next.flush();
    }
  };

  class Connection {
    closed = false;
    private readonly queue: Buffer[] = [];
    private clientBuffer = Buffer.alloc(0);
    private serverBuffer = Buffer.alloc(0);
    private startupDone = false;
    private skipSslAnswer = false;
    /** Requests sent (startup, Sync, simple Query) whose ReadyForQuery has not come back yet. */
    private unanswered = 0;
    private idle = true;

    constructor(private readonly client: Socket, private readonly upstream: Socket) {
      client.on('data', (chunk: Buffer) => this.fromClient(chunk));
      upstream.on('data', (chunk: Buffer) => this.fromServer(chunk));
      const close = () => this.close();
      for (const socket of [client, upstream]) {
        socket.on('close', close);
        socket.on('error', close);
      }
    }

    private fromClient(chunk: Buffer): void {
      this.clientBuffer = Buffer.concat([this.clientBuffer, chunk]);
      for (;;) {
        let size: number;
        if (!this.startupDone) {
          if (this.clientBuffer.length < 8) return;
          size = this.clientBuffer.readInt32BE(0);
          const code = this.clientBuffer.readInt32BE(4);
          if (code === 80877103) this.skipSslAnswer = true; // SSLRequest: answered by one untyped byte
          else this.startupDone = true;
          if (code !== 80877103) this.unanswered++;
        } else {
          if (this.clientBuffer.length < 5) return;
          size = this.clientBuffer.readInt32BE(1) + 1;
          const type = String.fromCharCode(this.clientBuffer[0]);
          if (type === 'S' || type === 'Q') this.unanswered++;
        }
        if (this.clientBuffer.length < size) return;
        this.queue.push(this.clientBuffer.subarray(0, size));
        this.clientBuffer = this.clientBuffer.subarray(size);
        this.request();
      }
    }

    private request(): void {
      if (owner === this) this.flush();
      else if (!waiting.includes(this)) {
        waiting.push(this);
        grant();
      }
    }

    flush(): void {
      while (this.queue.length) this.upstream.write(this.queue.shift()!);
    }

    private fromServer(chunk: Buffer): void {
      this.client.write(chunk);
      this.serverBuffer = Buffer.concat([this.serverBuffer, chunk]);
      if (this.skipSslAnswer && this.serverBuffer.length) {
        this.serverBuffer = this.serverBuffer.subarray(1);
        this.skipSslAnswer = false;
      }
      while (this.serverBuffer.length >= 5) {
        const size = this.serverBuffer.readInt32BE(1) + 1;
        if (this.serverBuffer.length < size) return;
        if (this.serverBuffer[0] === 0x5a /* Z: ReadyForQuery */) {
          this.unanswered = Math.max(0, this.unanswered - 1);
          this.idle = this.serverBuffer[5] === 0x49; /* I: idle, not in a transaction */
          if (owner === this && this.unanswered === 0 && this.idle && this.queue.length === 0) {
            owner = null;
            grant();
          }
        }
        this.serverBuffer = this.serverBuffer.subarray(size);
      }
    }

    private close(): void {
      if (this.closed) return;
      this.closed = true;
      this.client.destroy();
      this.upstream.destroy();
      if (owner === this) {
        owner = null;
        grant();
      }
    }
  }

  return net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(target.port, target.host);
    upstream.setNoDelay(true);
    new Connection(client, upstream);
  });
}
