import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultJournalPath } from '../../src/config/settings.js';
import { defaultWebhookUrl, localSetting, projectRoot } from './lib/local-target.js';
import { describeUnreachable } from './lib/describe-unreachable.js';
import { postWebhook, type PostedWebhook } from './lib/post-webhook.js';
import { groupBySession, readJournal } from './lib/read-journal.js';
import { exampleFor, rewritePayload, type Rewrite } from './lib/webhook-examples.js';

/** One thread of the story: events about one pull request or issue, in the order they happen. */
interface Step {
  spec: string;
  rewrite: Rewrite;
}

const pullRequest = (repo: string, number: number): Step[] => [
  { spec: 'pull_request.opened', rewrite: { repo, number } },
  { spec: 'pull_request.synchronize', rewrite: { repo, number } },
  { spec: 'pull_request_review.submitted', rewrite: { repo, number } },
  { spec: 'issue_comment.created', rewrite: { repo, number, onPullRequest: true } },
  { spec: 'pull_request.closed', rewrite: { repo, number } },
];
const issue = (repo: string, number: number): Step[] => [
  { spec: 'issues.opened', rewrite: { repo, number } },
  { spec: 'issue_comment.created', rewrite: { repo, number } },
  { spec: 'issues.labeled', rewrite: { repo, number } },
];

const STORY: Step[][] = [pullRequest('octo-org/app', 11), issue('octo-org/app', 12), pullRequest('octo-org/lib', 3)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, secret: { type: 'string' }, timeout: { type: 'string' } } });
  const url = values.url ?? defaultWebhookUrl();
  const secret = values.secret ?? localSetting('GITHUB_WEBHOOK_SECRET');
  if (!secret) throw new Error('No secret: pass --secret or set GITHUB_WEBHOOK_SECRET');
  const journalPath = path.resolve(projectRoot, localSetting('JOURNAL_PATH') || defaultJournalPath);

  // Interleave the threads: one event of each in turn, the way a busy installation's webhooks arrive.
  const sent: { label: string; answer: PostedWebhook }[] = [];
  console.log(`Sending ${STORY.flat().length} events to ${url}\n`);
  for (let round = 0; round < Math.max(...STORY.map((t) => t.length)); round++) {
    for (const thread of STORY) {
      const step = thread[round];
      if (!step) continue;
      const { event, action, payload } = exampleFor(step.spec);
      rewritePayload(payload, step.rewrite);
      const label = `${event}${action ? `.${action}` : ''} ${step.rewrite.repo}#${step.rewrite.number}`;
      let answer: PostedWebhook;
      try {
        answer = await postWebhook({ url, secret, event, payload });
      } catch (error) {
        throw new Error(describeUnreachable(url, error));
      }
      if (answer.status >= 300) throw new Error(`${label} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      const routes = routesOf(answer);
      console.log(`  ${answer.status}  ${label.padEnd(52)} → ${routes.map((r) => r.bot).join(', ') || 'no bot'}`);
      sent.push({ label, answer });
    }
  }

  const expected = new Set(sent.flatMap(({ answer }) => routesOf(answer).map((r) => `${r.bot} ${answer.deliveryId}`)));
  const labels = new Map(sent.map(({ label, answer }) => [answer.deliveryId, label]));
  const deadline = Date.now() + Number(values.timeout ?? 30_000);
  let lines = readJournal(journalPath).filter((line) => labels.has(line.deliveryId));
  while (lines.length < expected.size && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    lines = readJournal(journalPath).filter((line) => labels.has(line.deliveryId));
  }
  console.log(`\n${lines.length} of ${expected.size} deliveries processed (journal: ${journalPath})\n`);

  const sentOrder = new Map(sent.map(({ answer }, i) => [answer.deliveryId, i]));
  for (const [bot, sessions] of groupBySession(lines)) {
    console.log(bot);
    for (const [sessionId, entries] of sessions) {
      const inOrder = entries.every((e, i) => i === 0 || sentOrder.get(entries[i - 1]!.deliveryId)! < sentOrder.get(e.deliveryId)!);
      console.log(`  ${sessionId}  ${inOrder ? '(in order)' : '(OUT OF ORDER)'}`);
      for (const entry of entries) console.log(`    ${entry.index}. ${labels.get(entry.deliveryId)}`);
    }
  }
  if (lines.length < expected.size) {
    process.exitCode = 1;
    console.log('Some deliveries were not processed in time: see the `npm start` window for errors.');
  }
}

function routesOf(answer: PostedWebhook): { bot: string; sessionId: string }[] {
  const body = answer.body as { routes?: { bot: string; sessionId: string }[] } | undefined;
  return body?.routes ?? [];
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
