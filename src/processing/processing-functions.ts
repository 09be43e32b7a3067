import type { TableClient } from '@azure/data-tables';
import type { FunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { Settings } from '../config/settings.js';
import { parseEnvelope } from '../envelope/parse-envelope.js';
import type { SessionStore } from '../lifecycle/table-session-store.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { TargetDeps } from '../targets/create-target.js';
import type { ClaimCheck } from '../transport/claim-check.js';
import { createBotPipelines } from './bot-queue-functions.js';
import { defineHeldAdminFunctions } from './held-admin.js';
import { createTableHeldMessageStore, type HeldMessageStore } from './held-message-store.js';
import { definePoisonAdminFunctions } from './poison-admin.js';
import { createTablePoisonStore } from './poison-store.js';

export interface ProcessingFunctionsDeps {
  bots: readonly BotDefinition[];
  settings: Pick<Settings, 'JOURNAL_PATH' | 'POISON_TABLE' | 'HELD_TABLE'>;
  /** App settings, for http targets' `urlSetting` / `secretSetting`. */
  env: TargetDeps['env'];
  /** A Table client by name (`createStorageClients(settings).table`). */
  table: (name: string) => TableClient;
  claimCheck: Pick<ClaimCheck, 'resolve'>;
  /** The lifecycle store (`createTableSessionStore` over SESSIONS_TABLE). */
  sessions: SessionStore;
  telemetry: Telemetry;
  now?: () => Date;
  modules?: TargetDeps['modules'];
}

/** Every bot's queue function, the poison and held-session admin endpoints, for the Functions host and `npm start` alike. */
export function createProcessingFunctions(deps: ProcessingFunctionsDeps): FunctionDefinition[] {
  const poison = createTablePoisonStore({ tableClient: deps.table(deps.settings.POISON_TABLE) });
  const held: HeldMessageStore = createTableHeldMessageStore({ tableClient: deps.table(deps.settings.HELD_TABLE) });
  const now = deps.now ?? (() => new Date());
  const { definitions, pipelines } = createBotPipelines(deps.bots, {
    settings: deps.settings,
    env: deps.env,
    modules: deps.modules,
    parseEnvelope,
    resolvePayload: (ref) => deps.claimCheck.resolve(ref),
    sessions: deps.sessions,
    poison,
    telemetry: deps.telemetry,
    now,
    holds: { sessions: deps.sessions, held },
  });
  return [
    ...definitions,
    ...definePoisonAdminFunctions({ bots: deps.bots, poison }),
    ...defineHeldAdminFunctions({
      bots: deps.bots,
      sessions: deps.sessions,
      held,
      deliverHeld: (bot) => pipelines.get(bot)?.deliverHeld,
      now,
    }),
  ];
}
