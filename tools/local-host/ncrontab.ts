/**
 * The six-field NCRONTAB the Functions host reads for timer triggers
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`), evaluated in UTC as the host does
 * (WEBSITE_TIME_ZONE is not supported here). Each field takes `*`, `n`, `a-b`, a step after
 * either (`/n`) and comma lists; months and weekdays also by their English three-letter names.
 */
export interface NcrontabSchedule {
  readonly expression: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

export function parseNcrontab(expression: string): NcrontabSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new Error(
      `Timer schedule "${expression}" must have six fields (second minute hour day month day-of-week), got ${parts.length}`,
    );
  }
  const [seconds, minutes, hours, days, months, weekdays] = parts.map((part, i) => parseField(part, FIELDS[i]!, expression));
  const dayIsStar = parts[3] === '*' || parts[3] === '?';
  const weekdayIsStar = parts[5] === '*' || parts[5] === '?';

  // Classic cron: when both day fields are restricted, a day matches if either matches.
  const dayMatches = (date: Date): boolean => {
    const byDay = days!.has(date.getUTCDate());
    const byWeekday = weekdays!.has(date.getUTCDay());
    if (dayIsStar) return byWeekday;
    if (weekdayIsStar) return byDay;
    return byDay || byWeekday;
  };

  return {
    expression,
    next(after: Date): Date {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      const limit = after.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        if (!months!.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0);
          continue;
        }
        if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0);
          continue;
        }
        if (!hours!.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0);
          continue;
        }
        if (!minutes!.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
          continue;
        }
        if (!seconds!.has(t.getUTCSeconds())) {
          t.setUTCSeconds(t.getUTCSeconds() + 1);
          continue;
        }
        return t;
      }
      throw new Error(`Timer schedule "${expression}" never fires`);
    },
  };
}

function parseField(text: string, field: FieldSpec, expression: string): Set<number> {
  const fail = (why: string): never => {
    throw new Error(`Timer schedule "${expression}": ${field.name} field "${text}" ${why}`);
  };
  const value = (token: string): number => {
    const named = field.names?.indexOf(token.toLowerCase()) ?? -1;
    if (named >= 0) return named + field.min;
    if (!/^\d+$/.test(token)) return fail(`has "${token}", which is not a number`);
    const n = Number(token);
    if (n < field.min || n > field.max) return fail(`has ${n}, outside ${field.min}-${field.max}`);
    return n;
  };

  const result = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') fail('is not a valid item');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isSafeInteger(step) || step <= 0) fail(`has step "${stepText}", which must be a positive number`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = field.min;
      to = field.max;
    } else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      from = value(a ?? '');
      to = value(b ?? '');
      if (from > to) fail(`has the range ${range}, which runs backwards`);
    } else {
      from = value(range!);
      to = stepText === undefined ? from : field.max;
    }
    for (let n = from; n <= to; n += step) result.add(n);
  }
  return result;
}
