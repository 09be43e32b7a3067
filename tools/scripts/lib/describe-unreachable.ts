import { inspect } from 'node:util';

/** Why fetch could not reach the local host: undici's "fetch failed" keeps the socket error (ECONNREFUSED…) in `cause`. */
export function describeUnreachable(url: string, error: unknown): string {
  const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : inspect(error);
  return `Cannot reach ${url} (${reason}). Is \`npm start\` running?`;
}
