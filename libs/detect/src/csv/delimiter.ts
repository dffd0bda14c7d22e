import { Readable } from 'node:stream';

/**
 * The field delimiter of an analyst's CSV: comma (RFC 4180), semicolon (spreadsheets in locales
 * with a decimal comma) or tab. Sniffed from the header line, the one line whose fields are all
 * names: the candidate that occurs most often outside double quotes wins. A header with two
 * candidates equally often is ambiguous and reported, not guessed.
 */
export const DELIMITERS = { ',': 'comma', ';': 'semicolon', '\t': 'tab' } as const;
export type Delimiter = keyof typeof DELIMITERS;

/** `--delimiter` value: the character itself, or its name (`tab` is the easy one to type). */
export function parseDelimiterOption(text: string): Delimiter {
  const byName: Record<string, Delimiter> = { comma: ',', semicolon: ';', tab: '\t', '\\t': '\t' };
  const d = (text in DELIMITERS ? text : byName[text.toLowerCase()]) as Delimiter | undefined;
  if (!d) throw new Error(`--delimiter must be one of: comma (,), semicolon (;), tab; got '${text}'`);
  return d;
}

export function sniffDelimiter(headerLine: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch as Delimiter]++;
  }
  const ranked = (Object.keys(counts) as Delimiter[]).sort((a, b) => counts[b] - counts[a]);
  const [first, second] = ranked;
  // One column: nothing to split, any delimiter reads it.
  if (counts[first] === 0) return ',';
  if (counts[first] === counts[second]) {
    throw new Error(`cannot tell the delimiter from the header: it has as many ${DELIMITERS[first]}s as ${DELIMITERS[second]}s; give --delimiter`);
  }
  return first;
}

/**
 * Reads the input up to its first line break, without losing it: returns that line and a stream
 * that yields everything again from the first byte.
 */
export async function peekFirstLine(input: Readable, maxBytes = 1 << 20): Promise<{ line: string; stream: Readable }> {
  const head: Buffer[] = [];
  let size = 0;
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let done = false;
  while (size < maxBytes) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    head.push(chunk);
    size += chunk.length;
    if (chunk.includes(10) || chunk.includes(13)) break;
  }
  const buf = Buffer.concat(head);
  const text = buf.toString('utf8').replace(/^\uFEFF/, '');
  const end = text.search(/[\r\n]/);
  const line = end < 0 ? text : text.slice(0, end);
  async function* replay(): AsyncGenerator<Buffer> {
    if (buf.length) yield buf;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
  }
  return { line, stream: Readable.from(replay(), { objectMode: false }) };
}
