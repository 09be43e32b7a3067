import { withoutEtag, type SessionRecord } from '../lifecycle/session-record.js';
import type { HeldMessage } from './held-message-store.js';
import type { HoldDeps } from './keep-held-message.js';

/** How one held message fared when it was delivered through the bot's pipeline. */
export type HeldDelivery =
  | { kind: 'delivered' }
  /** Could not be delivered now (target down, network): the session stays held at this message. */
  | { kind: 'transient'; error: string }
  /** Can never succeed (already recorded in the poison store): the session is held again, at this message. */
  | { kind: 'poisoned'; reason: string; error: string };

export type ResumeOutcome =
  | { outcome: 'resumed'; delivered: string[]; skipped: string | null }
  | { outcome: 'notHeld' }
  /** Stopped by a transient failure: what was delivered is gone from the line, the rest waits; call again. */
  | { outcome: 'stillHeld'; delivered: string[]; skipped: string | null; at: string; error: string }
  /** Another message of the line was poisoned: the session is held at it now. */
  | { outcome: 'heldAgain'; delivered: string[]; skipped: string | null; at: string; reason: string; error: string };

const MAX_ROUNDS = 1000;

/**
 * Resumes a held session: `skip` drops the message it stopped at (it stays in the poison store),
 * `retry` delivers it again; then every kept message is delivered in its original order, each
 * through the bot's pipeline (claim check, session touch, target) and removed once delivered.
 * The hold is cleared only by an If-Match write on a record read after the line was found
 * empty: a message kept meanwhile moved the record on, so the write fails and the new message is
 * delivered in the next round. Until the hold is cleared, the session's new messages join the
 * line, so nothing newer overtakes what was kept. A failure leaves the hold (and the rest of the
 * line) in place: nothing is lost, the resume can be called again.
 * Two resumes of one session at once may each deliver a message (at least once, as always).
 */
export async function resumeHeldSession(
  deps: HoldDeps & { deliver: (message: HeldMessage) => Promise<HeldDelivery>; now: () => Date },
  bot: string,
  sessionId: string,
  action: 'retry' | 'skip',
): Promise<ResumeOutcome> {
  const delivered: string[] = [];
  let skipped: string | null = null;
  let firstRound = true;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const record = await deps.sessions.get(bot, sessionId);
    if (record?.hold === undefined) return firstRound ? { outcome: 'notHeld' } : { outcome: 'resumed', delivered, skipped };
    const line = await deps.held.list(bot, sessionId);
    if (firstRound && action === 'skip') {
      const head = line[0];
      if (head !== undefined && head.messageId === record.hold.messageId) {
        await deps.held.remove(bot, sessionId, head.seq);
        skipped = head.messageId;
        line.shift();
      }
    }
    firstRound = false;
    if (line.length === 0) {
      const { hold: _hold, heldLastMessageId: _last, ...rest } = withoutEtag(record);
      const cleared: SessionRecord = rest;
      if ((await deps.sessions.replaceIf(record, cleared)) !== 'conflict') return { outcome: 'resumed', delivered, skipped };
      continue;
    }
    for (const message of line) {
      const result = await deps.deliver(message);
      if (result.kind === 'transient') return { outcome: 'stillHeld', delivered, skipped, at: message.messageId, error: result.error };
      if (result.kind === 'poisoned') {
        await holdAgainAt(deps, message, result.reason);
        return { outcome: 'heldAgain', delivered, skipped, at: message.messageId, reason: result.reason, error: result.error };
      }
      await deps.held.remove(bot, sessionId, message.seq);
      delivered.push(message.messageId);
    }
  }
  throw new Error(`resume of held session "${sessionId}" of bot "${bot}": messages kept arriving for ${MAX_ROUNDS} rounds`);
}

/** Moves the hold to `message` (now the one the session stops at), keeping it at the head of the line. */
async function holdAgainAt(deps: HoldDeps & { now: () => Date }, message: HeldMessage, reason: string): Promise<void> {
  await deps.held.put({ ...message, poisoned: true });
  for (let attempt = 0; attempt < 50; attempt++) {
    const record = await deps.sessions.get(message.bot, message.sessionId);
    if (record === undefined) return;
    const next: SessionRecord = { ...withoutEtag(record), hold: { messageId: message.messageId, reason, since: deps.now() } };
    if ((await deps.sessions.replaceIf(record, next)) !== 'conflict') return;
  }
}
