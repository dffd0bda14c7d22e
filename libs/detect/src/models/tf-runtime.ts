import { dirname, join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';

/**
 * One TensorFlow.js runtime per process. `@tensorflow/tfjs-node` (native libtensorflow) is used
 * when it is installed; it is an optional dependency because its install script downloads
 * libtensorflow, which is not possible everywhere. Otherwise the wasm backend with SIMD and no
 * threads (Node has no SharedArrayBuffer workers for it). setBackend('wasm') resolves false,
 * silently staying on the slow cpu backend, when the .wasm files are not found: that is an error.
 */
export type TfModule = typeof Tf;
export interface TfRuntime {
  tf: TfModule;
  backend: string;
}

let runtime: Promise<TfRuntime> | null = null;

export function loadTf(log: (msg: string) => void = () => undefined): Promise<TfRuntime> {
  runtime ??= init(log);
  return runtime;
}

async function init(log: (msg: string) => void): Promise<TfRuntime> {
  try {
    const tf = require('@tensorflow/tfjs-node') as TfModule;
    await tf.ready();
    log(`TensorFlow.js backend: ${tf.getBackend()} (tfjs-node)`);
    return { tf, backend: tf.getBackend() };
  } catch {
    // Not installed (or its native library failed to load): fall back to wasm.
  }
  const tf = require('@tensorflow/tfjs') as TfModule;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  // A file-system prefix with a trailing slash: the backend appends the .wasm file names.
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
  wasm.setWasmPaths(dist);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error(`TensorFlow.js: the wasm backend did not initialise (wasm files looked up in ${dist})`);
  await tf.ready();
  log(`TensorFlow.js backend: ${tf.getBackend()} (SIMD ${String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'))}, threads off)`);
  return { tf, backend: tf.getBackend() };
}
