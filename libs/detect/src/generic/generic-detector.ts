import { GenericScore, StreamDetector } from './stream-detector';

/**
 * Many streams (device × metric) scored by independent StreamDetectors. Streams are created on
 * first sight; the least recently used are dropped beyond maxStreams, so memory stays bounded
 * even when devices come and go.
 */
export class GenericDetector {
  private readonly streams = new Map<string, StreamDetector>();

  constructor(private readonly maxStreams = 200_000) {}

  update(stream: string, ts: number, value: number): GenericScore {
    let d = this.streams.get(stream);
    if (d) {
      // Re-insert to keep Map order = recency order.
      this.streams.delete(stream);
    } else {
      d = new StreamDetector();
      if (this.streams.size >= this.maxStreams) {
        const oldest = this.streams.keys().next().value;
        if (oldest !== undefined) this.streams.delete(oldest);
      }
    }
    this.streams.set(stream, d);
    return d.update(ts, value);
  }

  get size(): number {
    return this.streams.size;
  }
}
