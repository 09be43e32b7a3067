import type { FunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { Settings } from '../config/settings.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { createAdminHandlers, defineAdminFunctions } from './session-admin.js';
import { createJanitorHandler, defineJanitorFunction, type JanitorChore } from './session-janitor.js';
import type { SendSessionClosed } from './send-session-closed-notices.js';
import type { SessionStore } from './table-session-store.js';

export interface LifecycleFunctionsDeps {
  bots: readonly BotDefinition[];
  settings: Pick<Settings, 'JANITOR_SCHEDULE' | 'SESSION_RETENTION' | 'HOT_SESSION_THRESHOLD'>;
  /** The same store the bot queue handlers touch (`createTableSessionStore` over SESSIONS_TABLE). */
  store: SessionStore;
  telemetry: Telemetry;
  now?: () => Date;
  /** Puts session-closed notices on bots' queues (`createSessionClosedSender`); absent = no notices. */
  sendClosedNotice?: SendSessionClosed;
  /** Other parts' housekeeping, run by the janitor after the sessions. */
  chores?: readonly JanitorChore[];
}

/** The janitor timer and the admin HTTP functions, for the Functions host and `npm start` alike. */
export function createLifecycleFunctions(deps: LifecycleFunctionsDeps): FunctionDefinition[] {
  const now = deps.now ?? (() => new Date());
  const { bots, store, telemetry, settings } = deps;
  const janitor = createJanitorHandler({
    bots,
    store,
    telemetry,
    now,
    retentionMs: settings.SESSION_RETENTION,
    hotSessionThreshold: settings.HOT_SESSION_THRESHOLD,
    ...(deps.sendClosedNotice === undefined ? {} : { notices: { send: deps.sendClosedNotice, store } }),
    ...(deps.chores === undefined ? {} : { chores: deps.chores }),
  });
  return [
    defineJanitorFunction(janitor, settings.JANITOR_SCHEDULE),
    ...defineAdminFunctions(
      createAdminHandlers({
        bots,
        store,
        now,
        hotSessionThreshold: settings.HOT_SESSION_THRESHOLD,
        ...(deps.sendClosedNotice === undefined ? {} : { notices: { send: deps.sendClosedNotice, store } }),
      }),
    ),
  ];
}
