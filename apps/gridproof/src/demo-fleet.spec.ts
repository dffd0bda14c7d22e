import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALARM_RULES_FILE } from '@gridproof/detect';
import { demoAlarmRules } from './demo-fleet';

describe('the demo fleet alarm rules', () => {
  let modelsDir: string;
  beforeEach(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'gp-demo-rules-'));
  });
  afterEach(() => rm(modelsDir, { recursive: true, force: true }));

  it('are the simulator-calibrated rules documented in docs/detection.md, valid, with generic alarms off for EV chargers', async () => {
    const rules = await demoAlarmRules(modelsDir);
    expect(rules?.['ev-charger']?.generic).toBeNull();
    const documented = /Example \(the rules chosen on seed 1, below\):\s*```json\n([\s\S]*?)```/.exec(await readFile(join(__dirname, '..', '..', '..', 'docs', 'detection.md'), 'utf8'))?.[1];
    expect(rules).toEqual(JSON.parse(documented!));
  });

  it('give way to rules the models directory already has', async () => {
    await writeFile(join(modelsDir, ALARM_RULES_FILE), JSON.stringify({ battery: { generic: null, model: null } }));
    expect(await demoAlarmRules(modelsDir)).toBeNull();
  });
});
