import { sign } from '@octokit/webhooks-methods';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import { PermanentError, TransientError } from '../errors/delivery-errors.js';
import type { BotTarget, TargetInput } from './bot-target.js';
import { parseRetryAfter } from './parse-retry-after.js';
import { encodeHeaderValue } from './encode-header-value.js';

type HttpTargetConfig = Extract<BotDefinition['target'], { type: 'http' }>;

export interface HttpTargetDeps {
  /** App settings, read for `urlSetting` and `secretSetting`. */
  env: Readonly<Record<string, string | undefined>>;
  userAgent: string;
  fetch?: typeof globalThis.fetch;
}

/** How much of a rejecting bot's answer goes into the error (and so the poison record). */
const ANSWER_EXCERPT = 500;

/**
 * Forwards each event to an existing GitHub app (a Probot app, say) as if GitHub had sent it,
 * re-signed with the bot's own secret, plus the session headers. Settings are read once, here,
 * so a missing one stops start-up instead of poisoning every message.
 */
export function createHttpTarget(bot: BotDefinition, deps: HttpTargetDeps): BotTarget {
  if (bot.target.type !== 'http') throw new Error(`Bot "${bot.name}" does not have an http target`);
  const config: HttpTargetConfig = bot.target;
  const url = resolveUrl(bot.name, config, deps.env);
  const secret = resolveSecret(bot.name, config, deps.env);
  const fetchImpl = deps.fetch ?? globalThis.fetch;

  /** One signed POST to the bot; its answer decides done, transient or permanent. */
  async function post(body: string, headers: Record<string, string>): Promise<void> {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      throw new TransientError(`Bot "${bot.name}": ${describeFetchFailure(error, config.timeoutMs)} (${safeUrl(url)})`, { cause: error });
    }
    await answerToOutcome(bot.name, url, response);
  }

  return {
    async deliver(input) {
      // GitHub's exact bytes are gone once the envelope was parsed: this is the same JSON
      // value re-serialised, plus the session as raw JSON (`session_router`), and the
      // signature covers exactly these bytes.
      const body = requestBody(input);
      const headers = await requestHeaders(input, body, secret, deps.userAgent);
      await post(body, headers);
    },

    // The same request shape and signature as a delivery, told apart by `X-Session-Event: closed`.
    async sessionClosed(notice) {
      const body = JSON.stringify(notice);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': deps.userAgent,
        'x-session-event': 'closed',
        'x-session-id': encodeHeaderValue(notice.sessionId),
        'x-session-generation': String(notice.generation),
      };
      if (secret !== undefined) headers['x-hub-signature-256'] = await sign(secret, body);
      await post(body, headers);
    },
  };
}

async function requestHeaders(
  { envelope, session }: TargetInput,
  body: string,
  secret: string | undefined,
  userAgent: string,
): Promise<Record<string, string>> {
  // Values that come from users (a branch name in the session id) or from headers GitHub sent
  // are percent-encoded: an HTTP header carries no reliable non-ASCII (RFC 9110 §5.5), and
  // fetch refuses such a value outright, which used to fail every delivery of a `日本語` branch.
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'x-github-event': encodeHeaderValue(envelope.eventType),
    'x-github-delivery': encodeHeaderValue(envelope.eventId),
  };
  // No session headers for a bot without sessions (strategy none): there is no session to name.
  if (session !== null) {
    headers['x-session-id'] = encodeHeaderValue(session.id);
    headers['x-session-generation'] = String(session.generation);
    headers['x-session-index'] = String(session.index);
  }
  const { hookId, targetType, targetId } = envelope.metadata;
  if (hookId) headers['x-github-hook-id'] = encodeHeaderValue(hookId);
  if (targetType) headers['x-github-hook-installation-target-type'] = encodeHeaderValue(targetType);
  if (targetId) headers['x-github-hook-installation-target-id'] = encodeHeaderValue(targetId);
  if (secret !== undefined) headers['x-hub-signature-256'] = await sign(secret, body);
  return headers;
}

/**
 * The payload with the session appended as `session_router`: the raw id, for a bot that prefers the
 * body to the header; `null` for a bot without sessions (strategy none).
 */
function requestBody({ envelope, session }: TargetInput): string {
  const payload = JSON.stringify(envelope.payload);
  const sessionMember = JSON.stringify(
    session === null ? null : { session_id: session.id, generation: session.generation, index: session.index },
  );
  // The payload is a JSON object: the member goes before its closing brace (an empty object gets no comma).
  return `${payload.slice(0, -1)}${payload === '{}' ? '' : ','}"session_router":${sessionMember}}`;
}

async function answerToOutcome(botName: string, url: URL, response: Response): Promise<void> {
  const status = response.status;
  if (status >= 200 && status < 300) {
    await response.body?.cancel();
    return;
  }
  const excerpt = await readExcerpt(response);
  const what = `Bot "${botName}" answered ${status} ${response.statusText}`.trim() + ` (${safeUrl(url)})${excerpt ? `: ${excerpt}` : ''}`;
  if (status === 408 || status === 429 || status >= 500) {
    // 429 and 503 may say when to come back; the retry in place waits at least that long.
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after'), Date.now()) : undefined;
    throw new TransientError(
      retryAfterMs === undefined ? what : `${what} (Retry-After ${retryAfterMs} ms)`,
      retryAfterMs === undefined ? {} : { retryAfterMs },
    );
  }
  if (status >= 300 && status < 400) {
    throw new PermanentError('TargetRejected', `${what}; redirects are not followed, configure the final URL`);
  }
  throw new PermanentError('TargetRejected', what);
}

async function readExcerpt(response: Response): Promise<string> {
  try {
    const text = (await response.text()).replace(/\s+/g, ' ').trim();
    return text.length > ANSWER_EXCERPT ? `${text.slice(0, ANSWER_EXCERPT)}…` : text;
  } catch {
    return '';
  }
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `request failed (${error instanceof Error ? error.message : String(error)}${cause})`;
}

function resolveUrl(botName: string, config: HttpTargetConfig, env: HttpTargetDeps['env']): URL {
  const text = config.url ?? readSetting(botName, 'urlSetting', config.urlSetting!, env);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`Bot "${botName}": the http target URL${config.urlSetting ? ` in setting ${config.urlSetting}` : ''} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `Bot "${botName}": the http target URL${config.urlSetting ? ` in setting ${config.urlSetting}` : ''} must be http or https, got ${url.protocol}`,
    );
  }
  return url;
}

/** No `secretSetting` = deliberately unsigned (as a GitHub hook without a secret); a named but empty setting is a mistake. */
function resolveSecret(botName: string, config: HttpTargetConfig, env: HttpTargetDeps['env']): string | undefined {
  return config.secretSetting === undefined ? undefined : readSetting(botName, 'secretSetting', config.secretSetting, env);
}

function readSetting(botName: string, field: string, name: string, env: HttpTargetDeps['env']): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Bot "${botName}": app setting ${name} (its http target's ${field}) is missing or empty`);
  return value;
}

/** The URL without credentials or query string, which may hold a token: safe for logs. */
function safeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
