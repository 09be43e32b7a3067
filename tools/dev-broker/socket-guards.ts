import type { Socket } from 'node:net';

/** An AMQP empty frame: a heartbeat, valid at any time once the connection is open. */
const EMPTY_FRAME = Buffer.from([0, 0, 0, 8, 2, 0, 0, 0]);

/**
 * Two adjustments to a broker socket:
 * - rhea may still write to a socket whose peer has gone (a close racing a detach); those bytes are dropped
 *   rather than letting 'write after end' take the whole broker down.
 * - The SDK's rhea sockets keep Nagle on, so a client frame that gets no answer (a settled disposition, a
 *   begin) holds the client's next frame until our delayed ACK, ~40 ms later; every new link paid that several
 *   times. Answering such a chunk with a heartbeat carries the ACK at once.
 */
export function guardSocket(socket: Socket, isAmqpOpen: () => boolean): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let answered = true;
  socket.write = (...args: unknown[]) => {
    answered = true;
    return socket.writableEnded || socket.destroyed ? false : write(...args);
  };
  socket.on('data', () => {
    answered = false;
    // rhea answers on a later tick (process.nextTick); setImmediate runs after it.
    setImmediate(() => {
      if (!answered && isAmqpOpen() && !socket.writableEnded && !socket.destroyed) write(EMPTY_FRAME);
    });
  });
}
