/**
 * The detection thread's program (started by DetectionThread): the DetectionEngine with all
 * detector state, and the writer of its score points to InfluxDB. Answers each request by id;
 * logs and survived failures go to the main thread, which owns the logger and the counters.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DetectionEngine } from './detection-engine';
import { lineSinkOf, loadModelsWith, PointSink, scoreWith } from './detection-runner';
import type { FromWorker, ToWorker, WorkerInit } from './detection-thread';
import { SliceUnpacker } from './slice-packing';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (msg: FromWorker) => port.postMessage(msg);
const engine = new DetectionEngine(init.maxStreams, { multivariate: init.multivariate });
const sink = new PointSink(init, lineSinkOf(init), (message) => send({ op: 'problem', what: 'influx', message }));
const unpacker = new SliceUnpacker();

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.op) {
    case 'score':
      return send({ op: 'reply', id: msg.id, result: scoreWith(engine, sink, unpacker.unpack(msg), msg.replay) });
    case 'models':
      return send({ op: 'reply', id: msg.id, result: await loadModelsWith(engine, msg.dir, (message) => send({ op: 'log', message })) });
    case 'idle':
      await sink.idle();
      return send({ op: 'reply', id: msg.id });
    case 'thresholds':
      return engine.setThresholds(msg.t);
    case 'rules':
      return engine.setAlarmRules(msg.rules);
  }
}

port.on('message', (msg: ToWorker) => {
  handle(msg).catch((err: unknown) => {
    if ('id' in msg) send({ op: 'reply', id: msg.id, error: (err as Error).stack ?? String(err) });
  });
});
