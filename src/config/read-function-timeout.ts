import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTimeSpan } from './parse-time-span.js';

/**
 * host.json at the root of the deployed package (dist/src/config/ → ../../../host.json), where
 * the Functions host reads it too.
 */
export const PACKAGED_HOST_JSON = fileURLToPath(new URL('../../../host.json', import.meta.url));

/**
 * The Flex Consumption plan's `functionTimeout` when host.json sets none: 30 minutes (its maximum
 * is unbounded). https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout
 */
const FLEX_CONSUMPTION_DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60_000;

/**
 * How long one invocation may run: host.json `functionTimeout`, or the host's own environment
 * override `AzureFunctionsJobHost__functionTimeout`
 * (https://learn.microsoft.com/azure/azure-functions/functions-host-json#override-hostjson-values).
 * `-1` (unbounded, allowed on Flex Consumption and Premium) answers `Infinity`.
 */
export function readFunctionTimeoutMs(hostJsonPath: string = PACKAGED_HOST_JSON, env: NodeJS.ProcessEnv = process.env): number {
  let hostJson: { functionTimeout?: unknown };
  try {
    hostJson = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as { functionTimeout?: unknown };
  } catch (error) {
    throw new Error(`Cannot read ${hostJsonPath}: ${(error as Error).message}`);
  }
  const fromEnv = env.AzureFunctionsJobHost__functionTimeout;
  const value = fromEnv ?? hostJson.functionTimeout;
  if (value === undefined) return FLEX_CONSUMPTION_DEFAULT_FUNCTION_TIMEOUT_MS;
  const where = fromEnv !== undefined ? 'app setting AzureFunctionsJobHost__functionTimeout' : `${hostJsonPath} functionTimeout`;
  if (value === '-1' || value === -1) return Infinity;
  const ms = typeof value === 'string' ? parseTimeSpan(value) : undefined;
  if (ms === undefined) throw new Error(`${where} must be a time span such as "00:05:00" (or -1), got ${JSON.stringify(value)}`);
  return ms;
}
