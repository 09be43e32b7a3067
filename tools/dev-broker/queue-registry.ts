import { BrokerError, DEAD_LETTER_SUFFIX, MANAGEMENT_SUFFIX } from './amqp-encoding.js';
import { DevQueue, type DevQueueOptions, type SubQueue } from './dev-queue.js';

export interface Entity {
  queue: DevQueue;
  subQueue: SubQueue;
}

/**
 * A link address or CBS audience without `scheme://host` and leading slashes. The .NET SDK attaches its links
 * to `/<queue>` and `/<queue>/$management` (an absolute path; audiences `amqp://localhost/<queue>`), the JS SDK
 * to the bare `<queue>` (audiences `sb://localhost/<queue>`). Before this, `/<queue>` was answered with
 * MessagingEntityNotFound "sb://localhost//<queue>".
 */
export function entityPath(address: string | undefined): string {
  return (address ?? '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, '').replace(/^\/+/, '');
}

/** The broker's queues by name; names are case-insensitive, like the service's. */
export class QueueRegistry {
  private readonly queues = new Map<string, DevQueue>();

  constructor(
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  create(options: DevQueueOptions): void {
    const key = options.name.toLowerCase();
    if (this.queues.has(key)) throw new Error(`Queue "${options.name}" already exists`);
    this.queues.set(key, new DevQueue(options, this.now, this.log));
  }

  named(name: string): DevQueue {
    const queue = this.queues.get(name.toLowerCase());
    if (!queue) throw new Error(`No queue "${name}" on the development broker`);
    return queue;
  }

  all(): DevQueue[] {
    return [...this.queues.values()];
  }

  /**
   * `queue` or `queue/$DeadLetterQueue` (any case), with or without `sb://host/` or `/` in front and `/$management` behind
   * (CBS audiences carry both); an unknown queue is the service's entity-not-found error.
   */
  resolve(address: string | undefined): Entity | BrokerError {
    let path = entityPath(address);
    if (path.endsWith(MANAGEMENT_SUFFIX)) path = path.slice(0, -MANAGEMENT_SUFFIX.length);
    const deadLetter = path.toLowerCase().endsWith(DEAD_LETTER_SUFFIX.toLowerCase());
    const name = deadLetter ? path.slice(0, -DEAD_LETTER_SUFFIX.length) : path;
    const queue = this.queues.get(name.toLowerCase());
    if (!queue) {
      return new BrokerError(
        'amqp:not-found',
        `The messaging entity 'sb://localhost/${name}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
      );
    }
    return { queue, subQueue: deadLetter ? 'deadLetter' : 'active' };
  }
}
