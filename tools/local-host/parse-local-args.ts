import { parseArgs } from 'node:util';

export const LOCAL_USAGE = 'usage: node dist/tools/local-host/main.js [--port <http port, 0 = any free>] [--help]';

export interface LocalArgs {
  help: boolean;
  /** `--port`, which wins over LOCAL_HTTP_PORT. */
  httpPort?: number;
}

/** `npm start -- [--port <n>]`, parsed by node:util like the other CLIs; a bad argument throws with the usage. */
export function parseLocalArgs(argv: readonly string[]): LocalArgs {
  let values: { port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${LOCAL_USAGE}`, { cause: error });
  }
  if (values.port === undefined) return { help: values.help ?? false };
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    throw new Error(`--port needs a port number (0-65535), got "${values.port}"\n${LOCAL_USAGE}`);
  }
  return { help: values.help ?? false, httpPort: port };
}
