import { readFileSync } from 'node:fs';

/**
 * `session-router/<version>` from package.json, which sits three levels above this file once
 * compiled (dist/src/targets/) and in the deployed app alike.
 */
export function routerUserAgent(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return `session-router/${typeof manifest.version === 'string' ? manifest.version : 'unknown'}`;
  } catch {
    return 'session-router/unknown';
  }
}
