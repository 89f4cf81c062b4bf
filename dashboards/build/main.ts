/**
 * Writes dashboards/*.json from the builders: `node dashboards/build/main.ts`. Edit the builders,
 * not the JSON; test/dashboards/ fails when the two disagree.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS } from './index.ts';

const dir = fileURLToPath(new URL('..', import.meta.url));
for (const [file, build] of Object.entries(DASHBOARDS)) {
  writeFileSync(`${dir}${file}`, `${JSON.stringify(build(), null, 2)}\n`);
  console.log(`wrote dashboards/${file}`);
}
