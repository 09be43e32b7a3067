import { emitterEventNames } from '@octokit/webhooks';
import { closestMatch } from 'leven';

/**
 * Every webhook event and `event.action` GitHub sends, as @octokit/webhooks generates them from
 * GitHub's own webhook schema (https://docs.github.com/en/webhooks/webhook-events-and-payloads).
 * A name outside this list would route nothing, silently; start-up refuses it instead.
 * A new event GitHub adds is usable once the pinned @octokit/webhooks knows it.
 */
const knownNames: ReadonlySet<string> = new Set(emitterEventNames);
const eventNames = emitterEventNames.filter((name) => !name.includes('.'));
const actionNames = emitterEventNames.filter((name) => name.includes('.'));

const EVENTS_DOC = 'https://docs.github.com/en/webhooks/webhook-events-and-payloads';

/**
 * Why an event pattern (`event`, `event.action`, `event.*`, `*`, each optionally `!`-prefixed)
 * names nothing GitHub sends, with the nearest name that exists; undefined when it is fine.
 */
export function unknownEventProblem(pattern: string): string | undefined {
  const excluded = pattern.startsWith('!') ? '!' : '';
  const body = pattern.slice(excluded.length);
  const [event = '', action] = body.split('.');
  if (event === '*') return undefined;

  if (!knownNames.has(event)) {
    // "issue.opened" is closest to "issues.opened"; "pull_requests.*" to "pull_request.*".
    const nearest =
      action === undefined || action === '*'
        ? nearestOf(event, eventNames)?.concat(action === '*' ? '.*' : '')
        : nearestOf(body, actionNames);
    return `unknown event "${pattern}"${suggest(excluded, nearest)}`;
  }
  if (action === undefined || action === '*' || knownNames.has(body)) return undefined;

  const actions = actionNames.filter((name) => name.startsWith(`${event}.`));
  if (actions.length === 0) return `unknown event "${pattern}": "${event}" has no actions, use "${excluded}${event}"`;
  const nearest = nearestOf(body, actions);
  const list = actions.map((name) => name.slice(event.length + 1)).join(', ');
  return `unknown action in "${pattern}"${suggest(excluded, nearest, `; "${event}" has ${list}`)}`;
}

/** A likely typo: within a third of the name's length (at least 2 edits). */
function nearestOf(name: string, candidates: readonly string[]): string | undefined {
  return closestMatch(name, candidates, { maxDistance: Math.max(2, Math.floor(name.length / 3)) });
}

function suggest(prefix: string, nearest: string | undefined, otherwise = ` (see ${EVENTS_DOC})`): string {
  return nearest === undefined ? otherwise : ` — did you mean "${prefix}${nearest}"?`;
}
