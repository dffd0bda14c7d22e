import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerAlertCommands } from './commands/alerts.commands';
import { registerAuditCommands } from './commands/audit.commands';
import { registerDetectCommands } from './commands/detect.commands';
import { registerDeviceCommands } from './commands/devices.commands';
import { registerKeyCommands } from './commands/keys.commands';
import { registerRewardsCommands } from './commands/rewards.commands';

/**
 * `gridproof`: the command-line tool. Commands talk to the running service's REST API (see
 * libs/api-client); one file per command group under commands/. The few that work offline on
 * local files (verify, detect, train, rewards) import the lib they need inside their action, so
 * `gridproof --help` and the REST commands never load Nest, ethers, drizzle or TensorFlow.js
 * (cli-startup.spec.ts; figures: npm run bench:cli-startup).
 */
function packageVersion(): string {
  // Runs from apps/cli/src (ts) or dist/apps/cli/src (built): look upwards for the package.
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gridproof') return pkg.version ?? '0.0.0';
    }
  }
  return '0.0.0';
}

const program = new Command('gridproof').version(packageVersion()).description('GridProof: signed device telemetry, anomaly alerts, anchored audits');

registerDeviceCommands(program);
registerKeyCommands(program);
registerDetectCommands(program);
registerAuditCommands(program);
registerRewardsCommands(program);
registerAlertCommands(program);

program.exitOverride();
program.parseAsync(process.argv).catch((err: unknown) => {
  // Commander has printed its own usage errors and help already.
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
    return;
  }
  console.error(`gridproof: ${err instanceof Error ? err.message : String(err)}`);
  // An error may carry its own code: bad input data is 65 (EX_DATAERR, sysexits(3)).
  const code = (err as { exitCode?: unknown } | null)?.exitCode;
  process.exitCode = typeof code === 'number' && code > 0 ? code : 1;
});
