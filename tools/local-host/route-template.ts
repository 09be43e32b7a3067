/**
 * Route templates as the Functions host reads them (ASP.NET style, below the `api/` prefix):
 * literal segments (case-insensitive), `{name}`, `{name?}` (optional, trailing),
 * `{name:int}` / `{name:alpha}` / `{name:guid}` constraints, and a trailing catch-all `{*rest}`.
 */
export interface CompiledRoute {
  readonly template: string;
  /** Higher wins when several templates match: literals beat parameters beat catch-alls. */
  readonly specificity: number;
  /** Route params of a matching path (without the prefix), or undefined. */
  match(path: string): Record<string, string> | undefined;
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; constraint?: (value: string) => boolean }
  | { kind: 'catchAll'; name: string };

const CONSTRAINTS: Record<string, (value: string) => boolean> = {
  int: (v) => /^-?\d+$/.test(v),
  long: (v) => /^-?\d+$/.test(v),
  alpha: (v) => /^[A-Za-z]+$/.test(v),
  guid: (v) => /^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$/i.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
};

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments: Segment[] =
    trimmed === '' ? [] : trimmed.split('/').map((part, index, all) => parseSegment(part, index === all.length - 1, template));
  // Compared segment by segment, left first: literal 3, constrained 2, parameter 1, catch-all 0.
  const specificity = segments.reduce(
    (score, s, i) => score + (s.kind === 'literal' ? 3 : s.kind === 'param' ? (s.constraint ? 2 : 1) : 0) * 4 ** (15 - Math.min(i, 15)),
    0,
  );

  return {
    template,
    specificity,
    match(path) {
      const parts = path
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .filter((p, i, all) => !(p === '' && all.length === 1));
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i]!;
        const part = parts[i];
        if (segment.kind === 'catchAll') {
          params[segment.name] = parts.slice(i).map(decode).join('/');
          return params;
        }
        if (part === undefined) {
          return segment.kind === 'param' && segment.optional ? params : undefined;
        }
        const value = decode(part);
        if (segment.kind === 'literal') {
          if (value.toLowerCase() !== segment.text.toLowerCase()) return undefined;
        } else {
          if (value === '' || (segment.constraint && !segment.constraint(value))) return undefined;
          params[segment.name] = value;
        }
      }
      return parts.length === segments.length ? params : undefined;
    },
  };
}

function parseSegment(part: string, isLast: boolean, template: string): Segment {
  const fail = (why: string): never => {
    throw new Error(`Route "${template}": segment "${part}" ${why}`);
  };
  const braced = /^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(part);
  if (!braced) {
    if (/[{}]/.test(part)) fail('mixes text and a parameter, which this host does not support');
    return { kind: 'literal', text: part };
  }
  const [, star, name, constraintName, optional] = braced;
  if (star) {
    if (!isLast) fail('is a catch-all, which must be the last segment');
    return { kind: 'catchAll', name: name! };
  }
  if (optional && !isLast) fail('is optional, which only the last segment may be');
  let constraint: ((value: string) => boolean) | undefined;
  if (constraintName !== undefined) {
    constraint =
      CONSTRAINTS[constraintName] ?? fail(`has the constraint "${constraintName}", not one of ${Object.keys(CONSTRAINTS).join(', ')}`);
  }
  return constraint
    ? { kind: 'param', name: name!, optional: !!optional, constraint }
    : { kind: 'param', name: name!, optional: !!optional };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
