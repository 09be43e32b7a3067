import type { InvocationContext } from '@azure/functions';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface IngressLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * One line per outcome, `message {json}`, through the invocation context (which the Functions
 * host forwards to Application Insights as traces). Callers pass identifiers and reasons only:
 * never a header value that could be a secret, never a body.
 */
export function ingressLog(context: InvocationContext, base: LogFields): IngressLog {
  const line = (message: string, fields: LogFields = {}) => `${message} ${JSON.stringify({ ...base, ...fields })}`;
  return {
    info: (message, fields) => context.info(line(message, fields)),
    warn: (message, fields) => context.warn(line(message, fields)),
    error: (message, fields) => context.error(line(message, fields)),
  };
}
