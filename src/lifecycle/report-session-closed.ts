import type { Telemetry } from '../telemetry/telemetry.js';
import type { CloseReason } from './session-record.js';

export interface SessionClosedFacts {
  bot: string;
  sessionId: string;
  generation: number;
  reason: CloseReason;
  openedAt: Date;
  lastActivityAt: Date;
  messageCount: number;
  closedAt: Date;
  /** Who closed it: the janitor's run, or the touch of the message that would have passed a limit. */
  closedBy: 'janitor' | 'touch';
}

/** The `SessionClosed` event and its two metrics, the same whoever closed the generation. */
export function reportSessionClosed(telemetry: Telemetry, facts: SessionClosedFacts): void {
  const durationMs = facts.closedAt.getTime() - facts.openedAt.getTime();
  const properties = { bot: facts.bot, reason: facts.reason };
  telemetry.trackEvent('SessionClosed', {
    ...properties,
    sessionId: facts.sessionId,
    generation: facts.generation,
    durationMs,
    activeMs: facts.lastActivityAt.getTime() - facts.openedAt.getTime(),
    messageCount: facts.messageCount,
    closedBy: facts.closedBy,
  });
  telemetry.trackMetric('session.durationMs', durationMs, properties);
  telemetry.trackMetric('session.messageCount', facts.messageCount, properties);
}
