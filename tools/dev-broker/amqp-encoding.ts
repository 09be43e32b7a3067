import rhea, { type AmqpError, type Message, type Sender, type Receiver } from 'rhea';

const { types } = rhea;

/** The Service Bus dialect's names on the wire. */
export const SESSION_FILTER = 'com.microsoft:session-filter';
export const LOCKED_UNTIL_UTC = 'com.microsoft:locked-until-utc';
export const LINK_TIMEOUT = 'com.microsoft:timeout';
export const BATCH_MESSAGE_FORMAT = 0x80013700;
export const DEAD_LETTER_SUFFIX = '/$DeadLetterQueue';
export const MANAGEMENT_SUFFIX = '/$management';

const TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000n;

/** The SDK reads `locked-until-utc` as .NET ticks in an AMQP long (an 8-byte big-endian buffer to rhea). */
export function dotnetTicks(epochMs: number): unknown {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt(Math.trunc(epochMs)) * 10_000n + TICKS_AT_UNIX_EPOCH);
  return types.wrap_long(bytes);
}

/** Sequence numbers travel as AMQP longs; rhea picks int/uint for plain numbers. */
export function amqpLong(value: number): unknown {
  return types.wrap_long(value);
}

/**
 * Status codes in `$cbs` and `$management` replies are AMQP int, as documented (`status-code`:
 * https://learn.microsoft.com/azure/service-bus-messaging/service-bus-amqp-protocol-guide#claims-based-authorization,
 * `statusCode`: https://learn.microsoft.com/azure/service-bus-messaging/service-bus-amqp-request-response). rhea picks
 * uint for a plain positive number; the JS SDK takes either, the .NET SDK (Microsoft.Azure.Amqp) casts to int and
 * throws InvalidCastException.
 */
export function amqpInt(value: number): unknown {
  return types.wrap_int(value);
}

/** rhea hands back longs above 2^53 as buffers; ours never get that big, but clients may send them. */
export function longToNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  return undefined;
}

/**
 * The SDK turns the 16-byte delivery tag into a lock token by reading it as a .NET Guid (first three
 * groups little-endian), and sends the token back in that order. The swap is its own inverse.
 */
export function swapGuidByteOrder(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out.subarray(0, 4).reverse();
  out.subarray(4, 6).reverse();
  out.subarray(6, 8).reverse();
  return out;
}

/** The lock tokens a management request names, as the hex of the delivery tags they stand for. */
export function lockTokensToTagKeys(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((item) => {
    if (Buffer.isBuffer(item) && item.length === 16) return [swapGuidByteOrder(item).toString('hex')];
    if (typeof item === 'string') return [swapGuidByteOrder(Buffer.from(rhea.string_to_uuid(item))).toString('hex')];
    return [];
  });
}

/**
 * A transfer from a sender link: one message, or (format 0x80013700) a batch whose body is a series of
 * data sections, each an encoded message. Returns each message with its encoded size.
 */
export function decodeTransfer(payload: Message | Buffer, format: number | undefined): { message: Message; size: number }[] {
  if (format === BATCH_MESSAGE_FORMAT && Buffer.isBuffer(payload)) {
    const envelope = rhea.message.decode(payload) as unknown as { body?: { content?: Buffer | Buffer[]; multiple?: boolean } };
    const content = envelope.body?.content;
    const parts = envelope.body?.multiple ? (content as Buffer[]) : content ? [content as Buffer] : [];
    return parts.map((part) => ({ message: rhea.message.decode(part) as unknown as Message, size: part.length }));
  }
  if (Buffer.isBuffer(payload)) {
    throw new BrokerError('amqp:not-implemented', `Message format ${format ?? 'unknown'} is not supported.`);
  }
  return [{ message: payload, size: rhea.message.encode(payload).length }];
}

/** A source or target terminus for an attach reply (rhea's typings insist on an address). */
export function terminus(address: string | undefined, filter?: Record<string, unknown>): { address: string } {
  const fields: Record<string, unknown> = {};
  if (address !== undefined) fields.address = address;
  if (filter !== undefined) fields.filter = filter;
  return fields as { address: string };
}

interface Outcomes {
  accepted(): { described(): unknown };
  rejected(fields: { error: AmqpError }): { described(): unknown };
}

/** The settled outcome the broker answers a disposition with. */
export function outcomeState(error?: AmqpError): unknown {
  const outcomes = rhea.message as unknown as Outcomes;
  return error ? outcomes.rejected({ error }).described() : outcomes.accepted().described();
}

/** An AMQP error condition the broker answers with, the way the real service does. */
export class BrokerError extends Error {
  constructor(
    readonly condition: string,
    description: string,
  ) {
    super(description);
  }

  toAmqp(): AmqpError {
    return { condition: this.condition, description: this.message };
  }
}

export function toAmqpError(error: unknown): AmqpError {
  if (error instanceof BrokerError) return error.toAmqp();
  return { condition: 'amqp:internal-error', description: error instanceof Error ? error.message : String(error) };
}

/** The parts of a rhea link that its typings leave out. */
interface LinkInternals {
  local: { attach: Record<string, unknown> };
  state: { local_open: boolean; open_requests: number };
}

/** Fields of the broker's attach reply (rhea sends it after the open event handlers ran). */
export function setAttachReply(link: Sender | Receiver, fields: Record<string, unknown>): void {
  Object.assign((link as unknown as LinkInternals).local.attach, fields);
}

/**
 * Answer an attach with the settle modes the peer asked for, as the service does (AMQP 1.0 attach, snd-settle-mode /
 * rcv-settle-mode: http://docs.oasis-open.org/amqp/core/v1.0/os/amqp-core-transport-v1.0-os.html#type-attach). rhea's reply otherwise carries none, i.e. "unsettled": the .NET SDK
 * then keeps every pre-settled `$cbs`/`$management` request as unsettled, and its next request reuses the
 * delivery tag ("An item with the same key has already been added").
 */
export function echoSettleModes(link: Sender | Receiver): void {
  setAttachReply(link, { snd_settle_mode: link.snd_settle_mode ?? 0, rcv_settle_mode: link.rcv_settle_mode ?? 0 });
}

/**
 * rhea answers an attach as soon as it arrives; a receiver waiting for the next free session must get its
 * answer later, so take the automatic answer back (before rhea writes it on the next tick).
 */
export function holdAttachReply(link: Sender | Receiver): void {
  const state = (link as unknown as LinkInternals).state;
  state.local_open = false;
  state.open_requests = Math.max(0, state.open_requests - 1);
}

/** Refuse a link the way the service does: attach (no terminus) then detach with the error. */
export function refuseLink(link: Sender | Receiver, error: AmqpError): void {
  setAttachReply(link, { source: null, target: null });
  link.open();
  link.close(error);
}

/**
 * A string field of a client's request (a session id, a dead-letter reason) as text: strings as they are, numbers and
 * booleans printed; anything else is refused with an error naming the field rather than stored as "[object Object]".
 */
export function amqpText(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new BrokerError('com.microsoft:argument-error', `"${field}" must be a string, got ${value === null ? 'null' : typeof value}.`);
}
