import { LruEntry, LruList } from './lru';
import { GenericScore, StreamDetector } from './stream-detector';

class Stream extends LruEntry {
  readonly detector = new StreamDetector();

  constructor(readonly key: string) {
    super();
  }
}

/**
 * Many streams (device × metric) scored by independent StreamDetectors. Streams are created on
 * first sight; the least recently used are dropped beyond maxStreams, so memory stays bounded
 * even when devices come and go.
 */
export class GenericDetector {
  private readonly streams = new Map<string, Stream>();
  private readonly recency = new LruList<Stream>();

  constructor(private readonly maxStreams = 200_000) {}

  update(stream: string, ts: number, value: number): GenericScore {
    let s = this.streams.get(stream);
    if (s) this.recency.touch(s);
    else {
      if (this.streams.size >= this.maxStreams) {
        const oldest = this.recency.shift();
        if (oldest) this.streams.delete(oldest.key);
      }
      s = new Stream(stream);
      this.streams.set(stream, s);
      this.recency.push(s);
    }
    return s.detector.update(ts, value);
  }

  get size(): number {
    return this.streams.size;
  }
}
