export interface BotsConfigProblem {
  /** Index in `bots`, when the problem is in one bot. */
  index?: number;
  /** The bot's name, when it has a readable one. */
  botName?: string;
  /** Dotted path inside the bot (or the file, when `index` is absent). */
  field: string;
  message: string;
}

/**
 * A bots.json that cannot be used: start-up stops here, with one line per problem naming
 * the file, the bot (by name and index) and the field, e.g.
 * `bots.json: bot "merge-warden" (bots[1]) session.maxSessionDuration: must be …`.
 */
export class BotsConfigError extends Error {
  override readonly name = 'BotsConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly BotsConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(problems.map((problem) => describeProblem(source, problem)).join('\n'), options);
  }
}

function describeProblem(source: string, { index, botName, field, message }: BotsConfigProblem): string {
  const where = index === undefined ? '' : botName === undefined ? `bots[${index}] ` : `bot "${botName}" (bots[${index}]) `;
  return `${source}: ${where}${field === '' ? '' : `${field}: `}${message}`;
}
