/**
 * `.funcignore` as Azure Functions Core Tools reads it (a port of codemix/gitignore-parser):
 * each pattern matches from the start of the path relative to the app root, `*` stays within
 * a path segment, `**` crosses segments, `!pattern` re-accepts. So `src` excludes `src/…` but
 * not `dist/src/…`, which is what this repository's .funcignore relies on.
 */
export type FuncIgnore = { denies(relativePath: string): boolean };

export function parseFuncIgnore(text: string): FuncIgnore {
  const positive: string[] = [];
  const negative: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('!')) negative.push(toRegexSource(line.slice(1)));
    else positive.push(toRegexSource(line));
  }
  const compile = (sources: string[]) => (sources.length === 0 ? undefined : new RegExp(`^((${sources.join(')|(')}))`));
  const deny = compile(positive);
  const accept = compile(negative);
  return {
    denies(relativePath) {
      const path = relativePath.replace(/\\/g, '/').replace(/^\.?\//, '');
      return deny !== undefined && deny.test(path) && !(accept?.test(path) ?? false);
    },
  };
}

function toRegexSource(pattern: string): string {
  return pattern
    .replace(/^\//, '')
    .replace(/[-[\]{}()+?.,\\^$|#\s]/g, '\\$&')
    .replace(/\*\*/g, '(.+)')
    .replace(/\*/g, '([^\\/]+)');
}
