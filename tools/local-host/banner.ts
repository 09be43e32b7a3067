import type { BotDefinition } from '../../src/bots/bot-config-schema.js';

export interface BannerInfo {
  readyMs: number;
  baseUrl: string;
  routePrefix: string;
  http: { name: string; methods: string[]; route: string; authLevel: string }[];
  webhookFunction?: string;
  secret: { kind: 'sample'; value: string } | { kind: 'configured'; source: string; rotating: boolean } | { kind: 'missing' };
  functionKey: 'any' | 'LOCAL_FUNCTION_KEY';
  bots: readonly BotDefinition[];
  sessions: { maxConcurrentSessions: number; sessionIdleTimeoutMs: number };
  timers: { name: string; schedule: string; next: Date }[];
  journalPath?: string;
  storage: string;
  serviceBus: string;
  settings: string;
}

/** The one block `npm start` prints when it is ready: everything a newcomer needs to try it. */
export function formatBanner(info: BannerInfo): string {
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(11)} ${text}`);
  const more = (text: string) => lines.push(`  ${''.padEnd(11)} ${text}`);
  const url = (route: string) => [info.baseUrl, info.routePrefix, route].filter(Boolean).join('/');

  lines.push('', `session-router local host ready in ${(info.readyMs / 1000).toFixed(1)} s`, '');
  const webhook = info.http.find((f) => f.name === info.webhookFunction);
  if (webhook) row('Webhook', `POST ${url(webhook.route)}`);
  const secret = info.secret;
  row(
    'Secret',
    secret.kind === 'sample'
      ? `${secret.value}  (the sample's development secret; set GITHUB_WEBHOOK_SECRET to change it)`
      : secret.kind === 'configured'
        ? `from GITHUB_WEBHOOK_SECRET in ${secret.source}${secret.rotating ? ' (+ GITHUB_WEBHOOK_SECRET_PREVIOUS during rotation)' : ''}`
        : 'NOT SET: the webhook refuses every delivery until GITHUB_WEBHOOK_SECRET is set',
  );
  const others = info.http.filter((f) => f !== webhook);
  others.forEach((f, i) => {
    const key = f.authLevel === 'anonymous' ? '' : info.functionKey === 'any' ? '  (key: any or none)' : '  (key: LOCAL_FUNCTION_KEY)';
    (i === 0 ? row.bind(null, 'Functions') : more)(`${f.methods.join('|').padEnd(6)} ${url(f.route)}${key}`);
  });
  const nameWidth = Math.max(...info.bots.map((b) => b.name.length));
  const strategyWidth = Math.max(...info.bots.map((b) => strategyText(b).length));
  info.bots.forEach((bot, i) => {
    const text = `${bot.name.padEnd(nameWidth)}  ${strategyText(bot).padEnd(strategyWidth)}  queue ${bot.queue} → ${bot.target.type}`;
    (i === 0 ? row.bind(null, 'Bots') : more)(text);
  });
  row(
    'Sessions',
    `up to ${info.sessions.maxConcurrentSessions} per bot at once, released after ${info.sessions.sessionIdleTimeoutMs / 1000} s idle (host.json)`,
  );
  info.timers.forEach((t, i) => {
    (i === 0 ? row.bind(null, 'Timers') : more)(`${t.name}  ${t.schedule}  next ${t.next.toISOString().slice(11, 19)}Z`);
  });
  if (info.journalPath) row('Journal', info.journalPath);
  row('Storage', info.storage);
  row('Service Bus', info.serviceBus);
  row('Settings', info.settings);
  lines.push('');
  // send and demo default to port 7071; elsewhere they need the URL.
  const urlFlag = webhook && !info.baseUrl.endsWith(':7071') ? ` --url ${url(webhook.route)}` : '';
  row('Try', `npm run send -- pull_request.opened${urlFlag}`);
  more(`npm run demo${urlFlag ? ` --${urlFlag}` : ''}`);
  row('Stop', 'Ctrl-C (lets queued messages finish first)');
  lines.push('');
  return lines.join('\n');
}

function strategyText(bot: BotDefinition): string {
  const params = Object.entries(bot.strategy.params ?? {}).map(([k, v]) => `${k}=${v}`);
  return params.length ? `${bot.strategy.type}(${params.join(', ')})` : bot.strategy.type;
}
