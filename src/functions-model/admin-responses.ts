import type { HttpRequest, HttpResponseInit } from '@azure/functions';

/**
 * The answers every operator endpoint gives (sessions, poison, dead letters): JSON, never cached,
 * errors as `{ error, detail, parameter? }`. A leaf module: it imports nothing of the app.
 */
export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'cache-control': 'no-store' } };
}

export function problem(status: number, error: string, detail: string, parameter?: string): HttpResponseInit {
  return json(status, parameter === undefined ? { error, detail } : { error, detail, parameter });
}

export function badParameter(parameter: string, detail: string): HttpResponseInit {
  return problem(400, 'BadRequest', `query parameter "${parameter}" ${detail}`, parameter);
}

export function unknownBot(bot: string, known: Iterable<string>): HttpResponseInit {
  return problem(404, 'UnknownBot', `no bot named "${bot}" in bots.json; known bots: ${[...known].join(', ')}`);
}

/** A whole-number query parameter from 1 to `max`, `fallback` when absent; an error answer when malformed. */
export function positiveIntParameter(query: URLSearchParams, name: string, fallback: number, max: number): number | HttpResponseInit {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    return badParameter(name, `must be a whole number from 1 to ${max}, got "${text}"`);
  }
  return value;
}

/** Every list endpoint pages the same way: `?limit=` from 1 to 1000, 100 when absent. */
const LIST_LIMIT = { default: 100, max: 1000 } as const;

/** `?limit=` of a list endpoint (LIST_LIMIT); an error answer when malformed. */
export function listLimitParameter(query: URLSearchParams): number | HttpResponseInit {
  return positiveIntParameter(query, 'limit', LIST_LIMIT.default, LIST_LIMIT.max);
}

/**
 * The session id of a per-session endpoint (/api/sessions, /api/held): the rest of the path (slashes as
 * they are) or `?id=`; '' when neither names one; an error answer when both name different ones.
 */
export function sessionIdOf(request: HttpRequest): string | HttpResponseInit {
  const fromPath = request.params.sessionId ?? '';
  const fromQuery = request.query.get('id');
  if (fromQuery === null) return fromPath;
  if (fromPath !== '' && fromPath !== fromQuery) {
    return badParameter('id', `names "${fromQuery}" but the path names "${fromPath}"; give the session id once`);
  }
  return fromQuery;
}
