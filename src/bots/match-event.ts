/**
 * bots.json filters, compiled once at start-up so routing is a few comparisons per bot.
 *
 * Event patterns are matched against both the event and `event.action`: `pull_request`
 * (any action), `issues.*` (same), `issues.opened`, `*` (everything); `!` excludes, and an
 * exclusion wins over any inclusion. Repository patterns are `owner/name` with `*` wildcards
 * within a segment, compared case-insensitively as GitHub does, with `!` to exclude. As in
 * GitHub Actions filters, a list needs at least one inclusion.
 */
export type EventFilter = (eventType: string, action: string | null) => boolean;
export type RepositoryFilter = (fullName: string | null) => boolean;

export class PatternError extends Error {
  override readonly name = 'PatternError';
}

interface EventRule {
  event: string; // '*' = any event
  action: string | null; // null = any action
}

export function compileEventFilter(patterns: readonly string[]): EventFilter {
  const includes: EventRule[] = [];
  const excludes: EventRule[] = [];
  for (const pattern of patterns) {
    const excluded = pattern.startsWith('!');
    const body = excluded ? pattern.slice(1) : pattern;
    const [event = '', action, extra] = body.split('.');
    if (event === '' || action === '' || extra !== undefined || (event === '*' && action !== undefined)) {
      throw new PatternError(`"${pattern}" is not "event", "event.action", "event.*" or "*"`);
    }
    (excluded ? excludes : includes).push({ event, action: action === undefined || action === '*' ? null : action });
  }
  if (includes.length === 0) {
    throw new PatternError('lists only exclusions; add an inclusion such as "*" for "every other event"');
  }
  const matches = (rule: EventRule, eventType: string, action: string | null) =>
    (rule.event === '*' || rule.event === eventType) && (rule.action === null || rule.action === action);
  return (eventType, action) =>
    includes.some((rule) => matches(rule, eventType, action)) && !excludes.some((rule) => matches(rule, eventType, action));
}

/** No patterns = every repository, and events with no repository too. */
export function compileRepositoryFilter(patterns: readonly string[] | undefined): RepositoryFilter {
  if (patterns === undefined) return () => true;
  const includes: RegExp[] = [];
  const excludes: RegExp[] = [];
  for (const pattern of patterns) {
    const excluded = pattern.startsWith('!');
    const body = excluded ? pattern.slice(1) : pattern;
    const segments = body.split('/');
    if (segments.length !== 2 || segments.some((segment) => segment === '')) {
      throw new PatternError(`"${pattern}" is not "owner/name"`);
    }
    const source = segments.map((segment) => segment.split('*').map(escapeRegExp).join('[^/]*')).join('/');
    (excluded ? excludes : includes).push(new RegExp(`^${source}$`, 'i'));
  }
  if (includes.length === 0) {
    throw new PatternError('lists only exclusions; add an inclusion such as "*/*" for "every other repository"');
  }
  // A bot limited to some repositories does not receive account-level events (no repository).
  return (fullName) =>
    fullName !== null && includes.some((regex) => regex.test(fullName)) && !excludes.some((regex) => regex.test(fullName));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
