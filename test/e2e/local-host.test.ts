import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postWebhook } from '../../tools/scripts/lib/post-webhook.js';
import { readJournal, type JournalLine } from '../../tools/scripts/lib/read-journal.js';
import { exampleFor, rewritePayload, type Payload, type Rewrite } from '../../tools/scripts/lib/webhook-examples.js';
import { startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SECRET = 'e2e-secret-not-the-sample';

/** Events about one thing (a PR, an issue, a branch, a release), in the order they happen. */
interface Thread {
  steps: { spec: string; rewrite: Rewrite }[];
}

function story(): Thread[] {
  const repos = ['octo-org/app', 'octo-org/lib', 'octo-team/site', 'octo-team/docs', 'solo/tool', 'solo/infra'];
  return repos.flatMap((repo, r) => {
    const pr = (number: number): Thread => ({
      steps: [
        { spec: 'pull_request.opened', rewrite: { repo, number } },
        { spec: 'pull_request.synchronize', rewrite: { repo, number } },
        { spec: 'pull_request_review.submitted', rewrite: { repo, number } },
        { spec: 'pull_request_review_comment.created', rewrite: { repo, number } },
        { spec: 'issue_comment.created', rewrite: { repo, number, onPullRequest: true } },
        { spec: 'pull_request.synchronize', rewrite: { repo, number } },
        { spec: 'pull_request.labeled', rewrite: { repo, number } },
        { spec: 'pull_request.closed', rewrite: { repo, number } },
      ],
    });
    const issue = (number: number): Thread => ({
      steps: [
        { spec: 'issues.opened', rewrite: { repo, number } },
        { spec: 'issue_comment.created', rewrite: { repo, number } },
        { spec: 'issues.labeled', rewrite: { repo, number } },
        { spec: 'issue_comment.created', rewrite: { repo, number } },
      ],
    });
    const branch = (name: string): Thread => ({
      steps: [
        { spec: 'create', rewrite: { repo, branch: name } },
        { spec: 'push', rewrite: { repo, branch: name } },
        { spec: 'push', rewrite: { repo, branch: name } },
        { spec: 'delete', rewrite: { repo, branch: name } },
      ],
    });
    const release: Thread = { steps: [{ spec: 'release.published', rewrite: { repo } }] };
    return [pr(10 + r), pr(20 + r), pr(30 + r), issue(40 + r), issue(50 + r), branch(`feature/${r}`), branch('main'), release];
  });
}

/** The seed's session ids, computed here from the payload, independently of the app. */
function expectedSessionId(strategy: string, event: string, payload: Payload): string {
  const repo = (payload.repository as { full_name: string }).full_name;
  const issue = payload.issue as { number: number; pull_request?: unknown } | undefined;
  let entity: string | undefined;
  if (event.startsWith('pull_request')) entity = `pr-${repo}-${(payload.pull_request as { number: number }).number}`;
  else if (event === 'issue_comment' && issue?.pull_request) entity = `pr-${repo}-${issue.number}`;
  else if (event === 'issues' || event === 'issue_comment') entity = `issue-${repo}-${issue!.number}`;
  else if (event === 'push') entity = `branch-${repo}-${String(payload.ref).replace(/^refs\/heads\//, '')}`;
  else if (event === 'create' || event === 'delete') entity = `branch-${repo}-${String(payload.ref)}`;
  else if (event === 'release') entity = `release-${repo}-${(payload.release as { tag_name: string }).tag_name}`;
  if (strategy === 'repository') return `repo-${repo}`;
  if (strategy === 'entity-repository-hybrid') return entity ?? `repo-${repo}`;
  if (strategy === 'entity' && entity) return entity;
  throw new Error(`no expectation for ${strategy} on ${event}`);
}

interface Sent {
  deliveryId: string;
  event: string;
  payload: Payload;
  routes: { bot: string; sessionId: string }[];
  sentAt: number;
  answeredAt: number;
}

test(
  'npm start end to end: a few hundred signed real webhooks from concurrent clients, each bot sees every routed event once, in order per session',
  { timeout: 240_000 },
  async (t) => {
    const work = mkdtempSync(path.join(tmpdir(), 'session-router-e2e-'));
    const journalPath = path.join(work, 'journal.jsonl');
    copyFileSync(path.join(root, 'local.settings.sample.json'), path.join(work, 'local.settings.json'));
    let host: LocalHostProcess | undefined;
    try {
      host = await startLocalHostProcess({
        cwd: root,
        env: {
          ...process.env,
          LOCAL_SETTINGS_FILE: path.join(work, 'local.settings.json'),
          LOCAL_HTTP_PORT: '0',
          LOCAL_AZURITE_PORTS: '0',
          LOCAL_BROKER_PORT: '0',
          JOURNAL_PATH: journalPath,
          GITHUB_WEBHOOK_SECRET: SECRET,
          APPLICATIONINSIGHTS_CONNECTION_STRING: '',
          BOTS_CONFIG_PATH: '',
          // host.json releases an idle session after 5 s; the host's own override keeps the test short.
          AzureFunctionsJobHost__extensions__serviceBus__sessionIdleTimeout: '00:00:01',
        },
      });
      const running = host;
      t.diagnostic(
        `local host ready: ${running.startMs.toFixed(0)} ms from spawn to banner (the host reports ${running.reportedReadyMs} ms)`,
      );
      assert.match(running.output(), /Secret\s+from GITHUB_WEBHOOK_SECRET in the environment/, 'a non-sample secret is never printed');
      assert.doesNotMatch(running.output(), new RegExp(SECRET));

      const strategies = new Map(
        (
          JSON.parse(readFileSync(path.join(root, 'src/bots/bots.json'), 'utf8')) as {
            bots: { name: string; strategy: { type: string } }[];
          }
        ).bots.map((bot) => [bot.name, bot.strategy.type]),
      );

      // One client per thread: a thread's events one after another, each after the previous 202;
      // up to 24 threads at once.
      const threads = story();
      const sent: Sent[] = [];
      const sendStarted = performance.now();
      let next = 0;
      const client = async () => {
        for (let i = next++; i < threads.length; i = next++) {
          for (const step of threads[i]!.steps) {
            const { event, payload } = exampleFor(step.spec);
            rewritePayload(payload, step.rewrite);
            const sentAt = performance.now();
            const answer = await postWebhook({ url: running.webhookUrl, secret: SECRET, event, payload });
            const answeredAt = performance.now();
            assert.equal(
              answer.status,
              202,
              `${step.spec} ${JSON.stringify(step.rewrite)} answered ${answer.status} ${JSON.stringify(answer.body)}`,
            );
            const routes = (answer.body as { routes: Sent['routes'] }).routes;
            sent.push({ deliveryId: answer.deliveryId, event, payload, routes, sentAt, answeredAt });
          }
        }
      };
      await Promise.all(Array.from({ length: 24 }, client));
      const sendMs = performance.now() - sendStarted;

      const expected = sent.flatMap((s) => s.routes.map((route) => ({ ...route, sent: s })));
      assert.ok(sent.length >= 200, `a few hundred deliveries (${sent.length})`);
      for (const bot of strategies.keys())
        assert.ok(
          expected.some((e) => e.bot === bot),
          `${bot} got some events`,
        );

      // Wait for the journal to hold every routed event (bounded; the assertion below says what is missing).
      let lines: JournalLine[] = [];
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        lines = readJournal(journalPath);
        if (lines.length >= expected.length) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const processedMs = performance.now() - sendStarted;
      t.diagnostic(
        `${sent.length} deliveries → ${expected.length} bot messages; sent in ${sendMs.toFixed(0)} ms, all processed ${processedMs.toFixed(0)} ms after the first send`,
      );

      // Exactly once per (bot, delivery), under the session id the seed's format gives.
      const seen = new Map<string, JournalLine>();
      for (const line of lines) {
        const key = `${line.bot} ${line.deliveryId}`;
        assert.ok(!seen.has(key), `${key} processed twice: ${JSON.stringify(seen.get(key))} then ${JSON.stringify(line)}`);
        seen.set(key, line);
      }
      for (const e of expected) {
        const line = seen.get(`${e.bot} ${e.sent.deliveryId}`);
        assert.ok(
          line,
          `${e.bot} never processed ${e.sent.event} ${e.sent.deliveryId} (session ${e.sessionId}); ${lines.length}/${expected.length} in the journal`,
        );
        const format = expectedSessionId(strategies.get(e.bot)!, e.sent.event, e.sent.payload);
        assert.equal(e.sessionId, format, `${e.bot}: ${e.sent.event} routed to ${e.sessionId}, the seed's format says ${format}`);
        assert.equal(line.sessionId, e.sessionId);
      }
      assert.equal(lines.length, expected.length, 'nothing processed that was not routed');

      // Order per session: whenever one event was answered 202 before another was sent, the
      // first must have been processed first (that covers each thread's events, and the events
      // of several threads sharing a repository session).
      const sentById = new Map(sent.map((s) => [s.deliveryId, s]));
      const sessions = new Map<string, JournalLine[]>();
      for (const line of lines) {
        const key = `${line.bot} ${line.sessionId}`;
        sessions.set(key, [...(sessions.get(key) ?? []), line]);
      }
      for (const [key, entries] of sessions) {
        for (let i = 0; i < entries.length; i++) {
          for (let j = i + 1; j < entries.length; j++) {
            const earlier = sentById.get(entries[i]!.deliveryId)!;
            const later = sentById.get(entries[j]!.deliveryId)!;
            assert.ok(
              !(later.answeredAt < earlier.sentAt),
              `${key}: ${later.event} ${later.deliveryId} was accepted before ${earlier.event} ${earlier.deliveryId} was sent, yet processed after it`,
            );
          }
        }
        assert.deepEqual(
          entries.map((e) => e.index),
          entries.map((_, i) => i + 1),
          `${key}: session indexes 1..n in processing order`,
        );
      }
      t.diagnostic(`${sessions.size} bot sessions checked`);

      const code = await running.stop();
      host = undefined;
      assert.equal(code, 0, `clean exit after SIGTERM:\n${running.output().slice(-3000)}`);
      assert.match(running.output(), /stopped cleanly/);
    } catch (error) {
      if (host) t.diagnostic(host.output().slice(-5000));
      throw error;
    } finally {
      await host?.stop().catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    }
  },
);
