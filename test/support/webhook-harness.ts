import { format } from 'node:util';
import azureFunctions, { type HttpRequest, type HttpResponseInit } from '@azure/functions';
import type { BotRegistry } from '../../src/bots/bot-registry.js';
import { loadBots } from '../../src/bots/load-bots.js';
import { readSettings, type Settings } from '../../src/config/settings.js';
import type { PayloadRef } from '../../src/envelope/event-envelope.js';
import { createWebhookHandler, type WebhookDependencies } from '../../src/ingress/create-webhook-handler.js';
import type { ReplayGuard } from '../../src/ingress/replay-guard.js';
import type { ClaimCheck } from '../../src/transport/claim-check.js';
import type { Dispatcher } from '../../src/transport/dispatcher.js';
import type { OutgoingMessage } from '../../src/transport/outgoing-message.js';
import { recordingTelemetry, type RecordingTelemetry } from './recording-telemetry.js';

const { InvocationContext } = azureFunctions;

export const CURRENT_SECRET = 'current-secret-4f9a1c';
export const PREVIOUS_SECRET = 'previous-secret-7be302';
export const RECEIVED_AT = new Date('2026-11-26T17:00:00.000Z');

/** A dispatcher that records what it was given (unless `keep: false`); `behaviour` decides each dispatch's outcome. */
export function recordingDispatcher(
  behaviour: (messages: readonly OutgoingMessage[]) => Promise<void> = async () => undefined,
  { keep = true }: { keep?: boolean } = {},
) {
  const batches: OutgoingMessage[][] = [];
  const dispatcher: Dispatcher = {
    reserve(routes) {
      return {
        async dispatch(envelope) {
          const messages = routes.map((route) => ({ ...route, envelope }));
          if (keep) batches.push(messages);
          await behaviour(messages);
        },
        release() {},
      };
    },
    async close() {},
  };
  return { dispatcher, batches };
}

/** A claim check that records stores; `behaviour` may throw to simulate storage failures. */
export function recordingClaimCheck(behaviour: () => Promise<void> = async () => undefined) {
  const stored: { deliveryId: string; bytes: Buffer }[] = [];
  const claimCheck: Pick<ClaimCheck, 'store'> = {
    async store(deliveryId, payload): Promise<PayloadRef> {
      await behaviour();
      stored.push({ deliveryId, bytes: Buffer.from(payload) });
      return { container: 'webhook-payloads', blobName: `${deliveryId}.json`, size: payload.byteLength, sha256: 'f'.repeat(64) };
    },
  };
  return { claimCheck, stored };
}

export interface Harness {
  call(request: HttpRequest): Promise<{ status: number; body: Record<string, unknown> }>;
  logs: string[];
  telemetry: RecordingTelemetry;
  settings: Settings;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  dispatcher?: Dispatcher;
  claimCheck?: Pick<ClaimCheck, 'store'>;
  registry?: BotRegistry;
  replayGuard?: ReplayGuard;
}

/** The exported handler with real settings parsing and the shipped bots, and fakes for I/O. */
export function webhookHarness(options: HarnessOptions = {}): Harness {
  const settings = readSettings({ GITHUB_WEBHOOK_SECRET: CURRENT_SECRET, GITHUB_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET, ...options.env });
  const telemetry = recordingTelemetry();
  const deps: WebhookDependencies = {
    settings,
    registry: options.registry ?? loadBots(),
    dispatcher: options.dispatcher ?? recordingDispatcher().dispatcher,
    claimCheck: options.claimCheck ?? recordingClaimCheck().claimCheck,
    telemetry,
    now: () => RECEIVED_AT,
    ...(options.replayGuard === undefined ? {} : { replayGuard: options.replayGuard }),
  };
  const handler = createWebhookHandler(deps);
  const logs: string[] = [];
  return {
    logs,
    telemetry,
    settings,
    async call(request) {
      const context = new InvocationContext({
        functionName: 'github-webhook',
        logHandler: (level, ...args) => void logs.push(`${level} ${format(...args)}`),
      });
      return readResponse(await handler(request, context));
    },
  };
}

export function readResponse(response: HttpResponseInit): { status: number; body: Record<string, unknown> } {
  return { status: response.status ?? 200, body: (response.jsonBody ?? {}) as Record<string, unknown> };
}
