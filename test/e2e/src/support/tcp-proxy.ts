import net from 'node:net';

/**
 * A loopback TCP proxy the test owns, in front of a dependency (PostgreSQL, NATS): services connect to it instead of
 * the real server, and the test can cut them off without touching the shared server. `pause` stops accepting
 * (connections are accepted and dropped at once, so clients see a refusal, not a hang) and destroys every open
 * connection; `resume` forwards again. It listens on port 0 and reports the port.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly open = new Set<net.Socket>();
  private paused = false;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.port;
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  /** Connections cut, and new ones refused, until `resume`. */
  pause(): void {
    this.paused = true;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.paused) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    for (const socket of [client, upstream]) {
      this.open.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
