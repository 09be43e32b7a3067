import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A GitHub payload: plain JSON. */
export type Payload = { [key: string]: unknown };

interface Definition {
  name: string;
  actions: string[];
  examples: Payload[];
}

let cached: Definition[] | undefined;
function definitions(): Definition[] {
  cached ??= JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
  ) as Definition[];
  return cached;
}

/**
 * A fresh copy of a real example payload for `event` or `event.action` (the first example
 * for that action). Unknown names fail with what exists.
 */
export function exampleFor(spec: string): { event: string; action: string | undefined; payload: Payload } {
  const [event, action, extra] = spec.split('.');
  if (!event || extra !== undefined) throw new Error(`"${spec}" must be <event> or <event>.<action>, e.g. pull_request.opened`);
  const definition = definitions().find((d) => d.name === event);
  if (!definition) {
    throw new Error(
      `No example for the event "${event}". Events: ${definitions()
        .map((d) => d.name)
        .join(', ')}`,
    );
  }
  const example = action === undefined ? definition.examples[0] : definition.examples.find((p) => p.action === action);
  if (!example) {
    const actions = [...new Set(definition.examples.map((p) => p.action).filter((a): a is string => typeof a === 'string'))];
    throw new Error(`No example for ${event}.${action}. Examples exist for: ${actions.map((a) => `${event}.${a}`).join(', ') || event}`);
  }
  return { event, action: typeof example.action === 'string' ? example.action : undefined, payload: structuredClone(example) };
}

export interface Rewrite {
  /** `owner/name`: the repository the event is about. */
  repo?: string;
  /** The pull request or issue number. */
  number?: number;
  /** Branch for push / create / delete (and check suites' head branch). */
  branch?: string;
  /** For issue_comment: the issue is a pull request (GitHub sends PR comments this way). */
  onPullRequest?: boolean;
  sender?: string;
}

const object = (value: unknown): Payload | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Payload) : undefined;

/** Moves a real payload to another repository / number / branch, keeping the fields routing reads consistent. */
export function rewritePayload(payload: Payload, rewrite: Rewrite): Payload {
  const repository = object(payload.repository);
  if (rewrite.repo !== undefined) {
    const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(rewrite.repo);
    if (!match) throw new Error(`--repo must be owner/name, got "${rewrite.repo}"`);
    if (!repository) throw new Error('--repo: this event has no repository to rewrite (its payload has no "repository")');
    const [, owner, name] = match;
    repository.name = name;
    repository.full_name = `${owner}/${name}`;
    repository.id = stableId(rewrite.repo);
    repository.html_url = `https://github.com/${owner}/${name}`;
    const repoOwner = object(repository.owner);
    if (repoOwner) repoOwner.login = owner;
  }
  if (rewrite.number !== undefined) {
    if (!Number.isSafeInteger(rewrite.number) || rewrite.number <= 0)
      throw new Error(`--number must be a positive whole number, got ${rewrite.number}`);
    if ('number' in payload) payload.number = rewrite.number;
    for (const key of ['pull_request', 'issue', 'discussion']) {
      const entity = object(payload[key]);
      if (entity) entity.number = rewrite.number;
    }
  }
  if (rewrite.onPullRequest) {
    const issue = object(payload.issue);
    if (!issue) throw new Error('--on-pr applies to issue_comment (and issues) events only');
    issue.pull_request = { url: `https://api.github.com/repos/${String(repository?.full_name)}/pulls/${String(issue.number)}` };
  }
  if (rewrite.branch !== undefined) {
    if (typeof payload.ref === 'string') {
      if (payload.ref.startsWith('refs/')) payload.ref = `refs/heads/${rewrite.branch}`;
      else payload.ref = rewrite.branch;
      if ('ref_type' in payload) payload.ref_type = 'branch';
    }
  }
  if (rewrite.sender !== undefined) {
    const sender = object(payload.sender);
    if (sender) sender.login = rewrite.sender;
  }
  return payload;
}

/** A repository id that stays the same for a name, so rewritten payloads look like one repository. */
function stableId(fullName: string): number {
  let hash = 0;
  for (const char of fullName) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 100_000 + (hash % 900_000_000);
}
