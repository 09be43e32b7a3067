/** What the timer needs from Octokit's RequestError (name "HttpError"), without depending on its class. */
export interface GitHubHttpError {
  status: number;
  message: string;
  headers: Record<string, string | number | undefined>;
}

export function asGitHubHttpError(error: unknown): GitHubHttpError | undefined {
  if (!(error instanceof Error) || error.name !== 'HttpError') return undefined;
  const { status, response } = error as Error & { status?: unknown; response?: { headers?: Record<string, string | number | undefined> } };
  if (typeof status !== 'number') return undefined;
  return { status, message: error.message, headers: response?.headers ?? {} };
}

export interface RateLimited {
  /** When to try again, from `retry-after` (seconds) or `x-ratelimit-reset` (epoch seconds), if GitHub said. */
  retryAt?: Date;
}

/**
 * GitHub's primary and secondary rate limits: 403 or 429 with `x-ratelimit-remaining: 0`, or
 * with `retry-after`; a 429 always is one.
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
 */
export function rateLimitOf(error: unknown, now: Date): RateLimited | undefined {
  const http = asGitHubHttpError(error);
  if (http === undefined || (http.status !== 403 && http.status !== 429)) return undefined;
  const remaining = http.headers['x-ratelimit-remaining'];
  const retryAfter = http.headers['retry-after'];
  const reset = http.headers['x-ratelimit-reset'];
  const exhausted = remaining !== undefined && Number(remaining) === 0;
  if (http.status === 403 && !exhausted && retryAfter === undefined) return undefined;
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter)))
    return { retryAt: new Date(now.getTime() + Number(retryAfter) * 1000) };
  if (exhausted && reset !== undefined && Number.isFinite(Number(reset))) return { retryAt: new Date(Number(reset) * 1000) };
  return {};
}

/** A one-line reason for a failed GitHub call, naming the likely cause; never a credential. */
export function describeGitHubError(error: unknown, call: string): string {
  const http = asGitHubHttpError(error);
  if (http === undefined) return `${call} failed: ${error instanceof Error ? error.message : String(error)}`;
  const hint =
    http.status === 401
      ? ' (GitHub refused the credentials: check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_HOOK_TOKEN)'
      : http.status === 403
        ? ' (the credentials lack permission for this hook: a token needs admin:repo_hook / admin:org_hook or the "Webhooks" permission)'
        : http.status === 404
          ? ' (no such hook for these credentials: check REDELIVERY_HOOK and GITHUB_API_URL)'
          : '';
  return `${call} answered ${http.status}: ${http.message}${hint}`;
}
