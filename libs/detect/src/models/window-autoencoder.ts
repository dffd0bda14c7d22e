import type * as Tf from '@tensorflow/tfjs';
import { fileIOHandler } from './file-io-handler';
import { TfModule } from './tf-runtime';

/**
 * Dense autoencoder over windows of normalised readings (window × metrics, flattened): trained
 * on the fleet's normal data, it reconstructs normal behaviour well and anomalies badly. The
 * window's mean squared reconstruction error is the anomaly statistic; its split per metric says
 * which metrics drive it.
 */
export interface AutoencoderShape {
  window: number;
  metrics: number;
  hidden: number;
  latent: number;
}

export interface WindowScores {
  /** Mean squared error per window. */
  errors: Float32Array;
  /** Per window, per metric: mean squared error of that metric over the window. */
  perMetric: Float32Array;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  loss: number;
}

const SCORE_CHUNK = 256;

export class WindowAutoencoder {
  private constructor(
    private readonly tf: TfModule,
    readonly model: Tf.LayersModel,
    readonly shape: AutoencoderShape,
  ) {}

  static create(tf: TfModule, shape: AutoencoderShape, seed: number): WindowAutoencoder {
    const width = shape.window * shape.metrics;
    const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 7 + k });
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [width], units: shape.hidden, activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.dense({ units: shape.latent, activation: 'relu', kernelInitializer: init(2) }),
        tf.layers.dense({ units: shape.hidden, activation: 'relu', kernelInitializer: init(3) }),
        tf.layers.dense({ units: width, activation: 'linear', kernelInitializer: init(4) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError' });
    return new WindowAutoencoder(tf, model, shape);
  }

  static async load(tf: TfModule, dir: string, shape: AutoencoderShape): Promise<WindowAutoencoder> {
    const model = await tf.loadLayersModel(fileIOHandler(dir));
    return new WindowAutoencoder(tf, model, shape);
  }

  async save(dir: string): Promise<void> {
    await this.model.save(fileIOHandler(dir));
  }

  /** Trains on `count` windows (rows of data). Shuffles with the caller's seeded order, not Math.random. */
  async train(data: Float32Array, count: number, opts: { epochs: number; batchSize?: number; order: (n: number) => Uint32Array; onEpoch?: (p: TrainProgress) => void }): Promise<number> {
    const width = this.shape.window * this.shape.metrics;
    let loss = NaN;
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const order = opts.order(count);
      const shuffled = new Float32Array(count * width);
      for (let i = 0; i < count; i++) shuffled.set(data.subarray(order[i] * width, order[i] * width + width), i * width);
      const x = this.tf.tensor2d(shuffled, [count, width]);
      try {
        const h = await this.model.fit(x, x, { epochs: 1, batchSize: opts.batchSize ?? 256, shuffle: false, verbose: 0 });
        loss = Number(h.history.loss[0]);
      } finally {
        x.dispose();
      }
      opts.onEpoch?.({ epoch, epochs: opts.epochs, loss });
    }
    return loss;
  }

  score(data: Float32Array, count: number): WindowScores {
    const { window: w, metrics: m } = this.shape;
    const width = w * m;
    const errors = new Float32Array(count);
    const perMetric = new Float32Array(count * m);
    // Small batches: on wasm, throughput falls ~30× from 256 to 20,000 windows per call as the
    // activations outgrow the CPU caches (bench/detect.bench.ts); cpu is flat.
    for (let from = 0; from < count; from += SCORE_CHUNK) {
      const n = Math.min(SCORE_CHUNK, count - from);
      const sq = this.tf.tidy(() => {
        const x = this.tf.tensor2d(data.subarray(from * width, (from + n) * width), [n, width]);
        const y = this.model.predict(x) as Tf.Tensor2D;
        return this.tf.squaredDifference(x, y);
      });
      const e = sq.dataSync() as Float32Array;
      sq.dispose();
      for (let k = 0; k < n; k++) {
        const i = from + k;
        let total = 0;
        for (let t = 0; t < w; t++) {
          for (let j = 0; j < m; j++) {
            const v = e[k * width + t * m + j];
            perMetric[i * m + j] += v / w;
            total += v;
          }
        }
        errors[i] = total / width;
      }
    }
    return { errors, perMetric };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Maps a reconstruction error to [0, 1]: 0.7 exactly at the model's threshold, → 1 above. */
export function errorToScore(error: number, threshold: number): number {
  if (!(error > 0) || !(threshold > 0)) return 0;
  return 1 - Math.pow(0.3, error / threshold);
}
