import functions, { type Timer } from '@azure/functions';

// @azure/functions is CommonJS without named ESM exports: take classes from the default export.
const { InvocationContext } = functions;

/** An invocation context that keeps what the handler logs instead of printing it. */
export function quietContext(functionName: string): { context: functions.InvocationContext; logs: { level: string; message: string }[] } {
  const logs: { level: string; message: string }[] = [];
  const context = new InvocationContext({
    functionName,
    logHandler: (level, ...args) => void logs.push({ level, message: args.map(String).join(' ') }),
  });
  return { context, logs };
}

export function timerTick(at: Date, isPastDue = false): Timer {
  const iso = at.toISOString();
  return { isPastDue, schedule: { adjustForDST: false }, scheduleStatus: { last: iso, next: iso, lastUpdated: iso } };
}
