import { Cron } from 'croner';

/** A timer trigger's schedule: the occurrences the Functions host would fire it at, in UTC. */
export interface TimerSchedule {
  readonly expression: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

// An item of a field as NCRONTAB writes it: `*`, `n`, `a-b`, either with `/step`; names (jan, mon) only in
// the month and day-of-week fields. croner knows more (L, W, #, ?, 7 for Sunday...); the host does not.
const ITEM = /^(\*|\d+(-\d+)?)(\/\d+)?$/;
const NAMED_ITEM = /^(\*|(\d+|[a-z]{3})(-(\d+|[a-z]{3}))?)(\/\d+)?$/i;
const FIELD_NAMES = ['second', 'minute', 'hour', 'day', 'month', 'day-of-week'] as const;

/**
 * Parses the six-field NCRONTAB the Functions host reads for timer triggers,
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, evaluated in UTC
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions).
 * croner does the parsing and the arithmetic, set to NCRONTAB's semantics: exactly six fields;
 * `n/step` runs from n to the end of the range; a day must match both the day and the
 * day-of-week field (NCrontab checks the weekday after picking the day, unlike Vixie cron's "either").
 * Throws an Error saying what is wrong.
 */
export function parseTimerSchedule(expression: string): TimerSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`"${expression}" has ${fields.length} fields; NCRONTAB has six fields: second minute hour day month day-of-week`);
  }
  fields.forEach((field, i) => {
    const item = i === 4 || i === 5 ? NAMED_ITEM : ITEM;
    const bad = field.split(',').find((part) => !item.test(part));
    if (bad !== undefined) {
      throw new Error(`"${expression}": ${FIELD_NAMES[i]} field "${field}" has "${bad}", which NCRONTAB does not read`);
    }
  });
  let cron: Cron;
  try {
    cron = new Cron(fields.join(' '), { mode: '6-part', timezone: 'UTC', domAndDow: true, sloppyRanges: true, paused: true });
  } catch (error) {
    throw new Error(`"${expression}": ${(error as Error).message}`, { cause: error });
  }
  return {
    expression,
    next(after) {
      const next = cron.nextRun(after);
      if (next === null) throw new Error(`"${expression}" never fires`);
      return next;
    },
  };
}
