import type { Connection } from 'rhea';

interface ConnectionInternals {
  remote_channel_map: Record<number, unknown>;
  on_detach(frame: { channel: number }): void;
}

/**
 * rhea ends a whole connection (every link of the client on it) with a protocol error when a
 * `detach` arrives on a channel whose session has already ended. The SDK sends one when it closes a
 * receiver whose accept-next-session attach was still waiting (a stopping session pump): measured
 * in `npm run bench`, where the next sender on the shared client then failed with "Unknown error
 * encountered". The link is gone with its session, so the late detach is dropped and logged; the
 * client's other links go on.
 */
export function tolerateLateDetach(connection: Connection, log: (line: string) => void): void {
  const internals = connection as unknown as ConnectionInternals;
  const onDetach = internals.on_detach.bind(connection);
  internals.on_detach = (frame) => {
    if (internals.remote_channel_map[frame.channel] === undefined) {
      log(`ignored a detach on channel ${frame.channel}, whose session has ended`);
      return;
    }
    onDetach(frame);
  };
}
