import { inspect } from 'node:util';

/** The body as text for the poison store: what arrived (JSON text for a parsed body), so it can be read and replayed. */
export function messageBodyText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Uint8Array) return Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('utf8');
  if (message instanceof ArrayBuffer) return Buffer.from(message).toString('utf8');
  if (message === undefined) return '';
  try {
    // JSON.stringify gives undefined for a function or symbol and throws on a cycle or a BigInt; String() would
    // then record "[object Object]", so the fallback is util.inspect, which prints any value in full.
    return JSON.stringify(message) ?? inspect(message, { depth: null, breakLength: Infinity });
  } catch {
    return inspect(message, { depth: null, breakLength: Infinity });
  }
}
