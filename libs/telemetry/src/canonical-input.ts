import { isUtf8 } from 'node:buffer';
import { TelemetryRejection } from './rejections';

/**
 * Canonical input only. A stored reading must be exactly what the device sent, and its
 * signature covers the RFC 8785 canonical form of the parsed message. RFC 8785 §3.1 requires
 * I-JSON (RFC 7493), and JSON.parse silently changes three kinds of input that I-JSON forbids,
 * so two different payloads could become one record:
 *
 * - bytes that are not UTF-8 (RFC 7493 §2.1; Buffer's decoder replaces them with U+FFFD);
 * - a lone surrogate in a string or a name, "\ud800" (RFC 7493 §2.1: no surrogate code points;
 *   RFC 8785 §3.2.2.2 cannot serialise it);
 * - a duplicate member name (RFC 7493 §2.3: names MUST be unique; JSON.parse keeps the last);
 * - a "__proto__" member, which zod's record drops and plain objects treat as the prototype.
 *
 * Each is refused with its own reason. The common, clean message pays one native UTF-8 check,
 * a few native substring searches and a walk over its parsed members; only a message that
 * fails one of those is scanned name by name to say exactly what is wrong.
 */

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The payload as text, or the not_utf8 rejection. Runs before JSON.parse. */
export function decodeUtf8(payload: Buffer | string): string {
  if (typeof payload === 'string') return payload;
  if (!isUtf8(payload)) throw new TelemetryRejection('not_utf8', 'payload is not valid UTF-8 (RFC 7493 §2.1)');
  return payload.toString();
}

/** Throws the canonical-input rejection of parsed JSON and its source text, if any. */
export function checkCanonicalInput(text: string, json: unknown): void {
  // A "\u" escape can spell a surrogate, a ':' or a name twice; "__proto__" anywhere: look closer.
  if (text.includes('\\u') || text.includes('__proto__')) return throwIfProblem(text);
  // In valid JSON each ':' outside a string separates one member's name from its value, so the
  // text writes (':' in the text) - (':' inside strings, which without "\u" escapes are the
  // ':' of the parsed strings) members; more than JSON.parse kept means a duplicate name.
  // Counted with native searches: a loop over every character cost as much as JSON.parse.
  const parsed = { members: 0, colonsInStrings: 0 };
  walk(json, parsed);
  if (countColons(text) - parsed.colonsInStrings !== parsed.members) throwIfProblem(text);
}

function throwIfProblem(text: string): void {
  const problem = nameByNameScan(text);
  if (problem) throw problem;
}

function countColons(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i >= 0; i = s.indexOf(':', i + 1)) n++;
  return n;
}

/** Members of a parsed JSON value (JSON.parse keeps one per distinct name) and the ':' in its names and strings. */
function walk(value: unknown, into: { members: number; colonsInStrings: number }): void {
  if (typeof value === 'string') {
    if (value.includes(':')) into.colonsInStrings += countColons(value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, into);
    return;
  }
  for (const key in value) {
    into.members++;
    if (key.includes(':')) into.colonsInStrings += countColons(key);
    walk((value as Record<string, unknown>)[key], into);
  }
}

/**
 * Walks the text of valid JSON (JSON.parse accepted it) string by string: a string followed by
 * ':' is a member name, checked against the other names of its object; every string is
 * decoded and checked for lone surrogates. Returns the first problem, or null.
 */
function nameByNameScan(text: string): TelemetryRejection | null {
  // One entry per open object (its names so far) or array (null).
  const open: Array<Set<string> | null> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) open.push(new Set());
    else if (c === 0x5b) open.push(null);
    else if (c === 0x7d || c === 0x5d) open.pop();
    else if (c === 0x22) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      const value = JSON.parse(text.slice(i, end + 1)) as string;
      if (LONE_SURROGATE.test(value)) {
        return new TelemetryRejection('lone_surrogate', `${JSON.stringify(text.slice(i, Math.min(end + 1, i + 40)))} holds a lone surrogate (RFC 7493 §2.1, RFC 8785 §3.1)`);
      }
      let next = end + 1;
      while (next < text.length && /\s/.test(text[next])) next++;
      const names = open[open.length - 1];
      if (text.charCodeAt(next) === 0x3a && names) {
        if (value === '__proto__') return new TelemetryRejection('proto_member', 'a member named "__proto__" is not accepted');
        if (names.has(value)) return new TelemetryRejection('duplicate_key', `member name ${JSON.stringify(value)} appears twice in one object (RFC 7493 §2.3)`);
        names.add(value);
      }
      i = end;
    }
  }
  return null;
}
