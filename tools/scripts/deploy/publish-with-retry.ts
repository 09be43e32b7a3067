import { setTimeout as sleep } from 'node:timers/promises';
import { az, DeployRefusal, type AzResult } from './az.js';

/**
 * Waits between publish attempts, in ms: about 10 minutes in all. A role assignment made by
 * this deployment (Storage Blob Data Owner on the deployment container) can take minutes to
 * reach the data plane, and until then the publish is answered 403.
 * https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected
 */
export const publishRetryDelaysMs: readonly number[] = [15_000, 30_000, 60_000, 120_000, 180_000, 180_000];

/** An authorization failure that a role assignment still propagating explains. */
export function isAuthorizationPropagation(result: AzResult): boolean {
  return /\b403\b|Forbidden|AuthorizationFailure|AuthorizationPermissionMismatch|does not have authorization/i.test(
    result.stderr + result.stdout,
  );
}

export type PublishRetryOptions = {
  delaysMs?: readonly number[];
  wait?: (ms: number) => Promise<unknown>;
  log?: (line: string) => void;
};

/**
 * Runs `az <args>` (the code publish) and, while it fails with 403, tries again after each of
 * `delaysMs`. Any other failure, or a 403 after the last delay, is a DeployRefusal that says
 * what was tried and how to finish by hand.
 */
export async function publishWithRetry(args: readonly string[], options: PublishRetryOptions = {}): Promise<void> {
  const delays = options.delaysMs ?? publishRetryDelaysMs;
  const wait = options.wait ?? sleep;
  const log = options.log ?? (() => undefined);
  for (let attempt = 1; ; attempt++) {
    const result = await az(args);
    if (result.exitCode === 0) return;
    const delay = delays[attempt - 1];
    if (!isAuthorizationPropagation(result)) {
      throw new DeployRefusal(
        `publishing the package failed (az ${args.slice(0, 4).join(' ')} … exited ${result.exitCode}):\n${result.stderr.trim()}`,
      );
    }
    if (delay === undefined) {
      const waitedS = Math.round(delays.reduce((sum, ms) => sum + ms, 0) / 1000);
      throw new DeployRefusal(
        `publishing the package was still refused (403) after ${attempt} attempts over ${waitedS} s; the app's role assignments may need longer to take effect.\n` +
          `The infrastructure is deployed: run \`npm run deploy\` again with the same options in a few minutes (it keeps the webhook secret).\n${result.stderr.trim()}`,
      );
    }
    log(
      `publish refused with 403 (attempt ${attempt}): new role assignments can take minutes to apply; trying again in ${Math.round(delay / 1000)} s`,
    );
    await wait(delay);
  }
}
