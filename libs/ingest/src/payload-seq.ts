/**
 * The "seq" of a payload that was rejected before or while it was parsed, so the device can
 * match the error to its message: a best-effort look (bounded by the payload limit), used only
 * on rejections; accepted and later-rejected messages carry their parsed seq.
 */
export function payloadSeq(payload: Buffer, maxBytes: number): number | undefined {
  if (payload.length > maxBytes) return undefined;
  try {
    const json: unknown = JSON.parse(payload.toString('utf8'));
    const seq = json !== null && typeof json === 'object' ? (json as { seq?: unknown }).seq : undefined;
    return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : undefined;
  } catch {
    return undefined;
  }
}
