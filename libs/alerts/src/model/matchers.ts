import type { Labels } from './labels';

/**
 * Label matchers with Alertmanager's syntax: name="value", name!="value", name=~"regex",
 * name!~"regex". Regexes are anchored (Alertmanager and Prometheus anchor them too), so
 * site=~"north" matches only "north", not "north-2". A missing label matches as "".
 */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface CompiledMatcher extends Matcher {
  test(labels: Labels): boolean;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^"'\s]*))\s*$/;

export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`invalid matcher '${text}' (expected name="value", name!="value", name=~"regex" or name!~"regex")`);
  const raw = m[3] ?? m[4] ?? m[5] ?? '';
  return { name: m[1], op: m[2] as MatchOp, value: raw.replace(/\\(.)/g, '$1') };
}

export function compileMatcher(matcher: Matcher): CompiledMatcher {
  const { name, op, value } = matcher;
  let test: (v: string) => boolean;
  if (op === '=~' || op === '!~') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${value})$`);
    } catch (err) {
      throw new Error(`invalid regex in matcher ${name}${op}"${value}": ${(err as Error).message}`);
    }
    test = op === '=~' ? (v) => re.test(v) : (v) => !re.test(v);
  } else {
    test = op === '=' ? (v) => v === value : (v) => v !== value;
  }
  return { name, op, value, test: (labels) => test(labels[name] ?? '') };
}

/** Accepts the string form or the structured form; throws with a readable reason. */
export function compileMatchers(input: ReadonlyArray<string | Matcher>): CompiledMatcher[] {
  return input.map((m) => compileMatcher(typeof m === 'string' ? parseMatcher(m) : m));
}

export function matchesAll(matchers: readonly CompiledMatcher[], labels: Labels): boolean {
  return matchers.every((m) => m.test(labels));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
