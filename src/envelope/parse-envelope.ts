import { z } from 'zod';
import { PermanentError } from '../errors/delivery-errors.js';
import { isJsonObject } from '../github/json-fields.js';
import { ENVELOPE_SCHEMA_VERSION, type EventEnvelope, type JsonObject } from './event-envelope.js';

const ENTITY_TYPES = ['pull_request', 'issue', 'branch', 'tag', 'release', 'discussion', 'repository', 'none'] as const;

const isoTimestamp = z.iso.datetime({ offset: true });
/** Informational fields: a message missing one is still deliverable. */
const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const repositorySchema = z.object({
  owner: z.string().min(1),
  name: z.string().min(1),
  fullName: z.string().min(1),
  id: z.number().int(),
});

const senderSchema = z.object({ login: z.string().min(1), id: z.number().int(), type: z.string() });

const payloadRefSchema = z.object({
  container: z.string().min(1),
  blobName: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
});

const metadataSchema = z.object({
  receivedAt: isoTimestamp,
  hookId: optionalText,
  targetType: optionalText,
  targetId: optionalText,
  contentType: z.string(),
  userAgent: optionalText,
  occurredAt: isoTimestamp.nullish().transform((value) => value ?? null),
});

const envelopeSchema = z.object({
  schemaVersion: z.literal(ENVELOPE_SCHEMA_VERSION),
  eventId: z.string().min(1),
  eventType: z.string().min(1),
  action: z.string().nullable(),
  repository: repositorySchema.nullable(),
  entityType: z.enum(ENTITY_TYPES),
  entityId: z.string().min(1).nullable(),
  sender: senderSchema.nullable(),
  installationId: z.number().int().nullable(),
  // Kept by reference and unchecked inside: the payload is GitHub's, and bots read it as they need.
  payload: z.custom<JsonObject>(isJsonObject, 'must be a JSON object').optional(),
  payloadRef: payloadRefSchema.optional(),
  metadata: metadataSchema,
});

/**
 * Validates a queue message body as an envelope before anything acts on it. Accepts the
 * parsed object (what the Functions host hands over for JSON bodies), or the raw JSON as a
 * string, Buffer or byte array. A bad message is permanent: retrying cannot fix it.
 */
export function parseEnvelope(body: unknown): EventEnvelope {
  const parsed = envelopeSchema.safeParse(decode(body));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw malformed(problems.join('; '));
  }
  const { payload, payloadRef, ...fields } = parsed.data;
  if (payload !== undefined && payloadRef === undefined) return { ...fields, payload };
  if (payloadRef !== undefined && payload === undefined) return { ...fields, payloadRef };
  throw malformed('payload, payloadRef: exactly one must be present');
}

function decode(body: unknown): unknown {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  else if (body instanceof ArrayBuffer) text = Buffer.from(body).toString('utf8');
  else return body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformed(`body is not JSON (${(error as Error).message})`, error);
  }
}

function malformed(problem: string, cause?: unknown): PermanentError {
  return new PermanentError('MalformedEnvelope', `Malformed envelope: ${problem}`, cause === undefined ? undefined : { cause });
}
