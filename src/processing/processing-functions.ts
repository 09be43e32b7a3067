import type { TableClient } from '@azure/data-tables';
import type { FunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { Settings } from '../config/settings.js';
import { parseEnvelope } from '../envelope/parse-envelope.js';
import type { SessionToucher } from '../lifecycle/session-context.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { TargetDeps } from '../targets/create-target.js';
import type { ClaimCheck } from '../transport/claim-check.js';
import { createBotQueueFunctions } from './bot-queue-functions.js';
import { definePoisonAdminFunctions } from './poison-admin.js';
import { createTablePoisonStore } from './poison-store.js';

export interface ProcessingFunctionsDeps {
  bots: readonly BotDefinition[];
  settings: Pick<Settings, 'JOURNAL_PATH' | 'POISON_TABLE'>;
  /** App settings, for http targets' `urlSetting` / `secretSetting`. */
  env: TargetDeps['env'];
  /** A Table client by name (`createStorageClients(settings).table`). */
  table: (name: string) => TableClient;
  claimCheck: Pick<ClaimCheck, 'resolve'>;
  /** The lifecycle store (`createTableSessionStore` over SESSIONS_TABLE). */
  sessions: SessionToucher;
  telemetry: Telemetry;
  now?: () => Date;
  modules?: TargetDeps['modules'];
}

/** Every bot's queue function and the poison admin endpoints, for the Functions host and `npm start` alike. */
export function createProcessingFunctions(deps: ProcessingFunctionsDeps): FunctionDefinition[] {
  const poison = createTablePoisonStore({ tableClient: deps.table(deps.settings.POISON_TABLE) });
  return [
    ...createBotQueueFunctions(deps.bots, {
      settings: deps.settings,
      env: deps.env,
      modules: deps.modules,
      parseEnvelope,
      resolvePayload: (ref) => deps.claimCheck.resolve(ref),
      sessions: deps.sessions,
      poison,
      telemetry: deps.telemetry,
      now: deps.now ?? (() => new Date()),
    }),
    ...definePoisonAdminFunctions({ bots: deps.bots, poison }),
  ];
}
