import { PermanentError } from '../errors/delivery-errors.js';

/**
 * The host hands a JSON body over already parsed, but a body sent as text or bytes arrives
 * as a string or a Buffer: accept all three so the envelope check sees the same value.
 */
export function decodeMessageBody(message: unknown): unknown {
  if (typeof message === 'string' || message instanceof Uint8Array) {
    const text = typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new PermanentError('MalformedEnvelope', `The message body is not JSON: ${(error as Error).message}`);
    }
  }
  return message;
}

/** The body as text for the poison store: what arrived, so it can be read and replayed. */
export function messageBodyText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Uint8Array) return Buffer.from(message).toString('utf8');
  if (message === undefined) return '';
  try {
    return JSON.stringify(message) ?? String(message);
  } catch {
    return String(message);
  }
}
