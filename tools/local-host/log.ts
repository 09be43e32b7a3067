import { formatWithOptions } from 'node:util';
import type { LogHandler, LogLevel } from '@azure/functions';

/** The local host's console output: one line per entry, time and source first. */
export interface Log {
  info(source: string, ...args: unknown[]): void;
  warn(source: string, ...args: unknown[]): void;
  error(source: string, ...args: unknown[]): void;
  debug(source: string, ...args: unknown[]): void;
  /** A LogHandler for an InvocationContext, so `context.log` lines show the function's name. */
  forFunction(functionName: string): LogHandler;
}

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5, none: 6 };

export function parseLogLevel(text: string | undefined): LogLevel {
  const level = (text ?? 'information').trim().toLowerCase();
  if (level === 'info') return 'information';
  if (level === 'warn') return 'warning';
  if (level in RANK) return level as LogLevel;
  throw new Error(`LOCAL_LOG_LEVEL must be one of ${Object.keys(RANK).join(', ')}, got "${text}"`);
}

export function createLog(
  minLevel: LogLevel = 'information',
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Log {
  const emit = (level: LogLevel, source: string, args: unknown[]) => {
    if (RANK[level] < RANK[minLevel] || level === 'none') return;
    const time = new Date().toISOString().slice(11, 23);
    const tag = level === 'warning' ? ' WARN' : level === 'error' || level === 'critical' ? ' ERROR' : '';
    write(`${time}${tag} [${source}] ${formatWithOptions({ colors: false, breakLength: Infinity }, ...args)}`);
  };
  return {
    info: (source, ...args) => emit('information', source, args),
    warn: (source, ...args) => emit('warning', source, args),
    error: (source, ...args) => emit('error', source, args),
    debug: (source, ...args) => emit('debug', source, args),
    forFunction:
      (functionName) =>
      (level, ...args) =>
        emit(level, functionName, args),
  };
}

export const silentLog: Log = createLog('none', () => undefined);
