import { Agent, request } from 'node:http';
import { sign } from '@octokit/webhooks-methods';
import { benchPayload, deliveryHeaders, PAYLOAD_SIZES, SECRET, type BenchPayload, type PayloadSize } from './padded-payloads.js';

/**
 * The client of the ingress bench over node:http, in its own process so its CPU is not the
 * server's: on `{ size }` it builds that payload (the same bytes the server side builds) and
 * signs it; on `{ port, count, concurrency }` it POSTs it `count` times over `concurrency`
 * keep-alive connections, each with a new delivery id, and reports the response statuses.
 * Started by ingress-over-http.ts with `fork` (IPC channel).
 */
export type ClientCommand = { size: PayloadSize } | { port: number; count: number; concurrency: number };
export type ClientReply = { ready: number } | { statuses: Record<string, number>; firstFailure: string | null };

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let current: { payload: BenchPayload; signature: string } | undefined;

process.on('message', (command: ClientCommand) => {
  void handle(command).then(
    (reply) => process.send!(reply),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => {
  agent.destroy();
  process.exit(0);
});

async function handle(command: ClientCommand): Promise<ClientReply> {
  if ('size' in command) {
    if (!PAYLOAD_SIZES.includes(command.size)) throw new Error(`unknown size ${command.size}`);
    const payload = benchPayload(command.size);
    current = { payload, signature: await sign(SECRET, payload.body.toString('utf8')) };
    return { ready: payload.body.byteLength };
  }
  if (current === undefined) throw new Error('a run before a size');
  const { payload, signature } = current;
  const statuses: Record<string, number> = {};
  let firstFailure: string | null = null;
  let next = 0;
  const worker = async () => {
    while (next < command.count) {
      next++;
      const { status, text } = await post(command.port, payload, signature);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== 202 && firstFailure === null) firstFailure = `${status}: ${text.slice(0, 300)}`;
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  return { statuses, firstFailure };
}

function post(port: number, payload: BenchPayload, signature: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/github/webhooks',
        agent,
        headers: { ...deliveryHeaders(payload, signature), 'content-length': payload.body.byteLength },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload.body);
  });
}
