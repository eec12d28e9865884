// The dashboard's number formats (web/src/format.js) against the cases the CLI's util/display.h
// also passes (tests/fixtures/display/cases.json). format.js is an ES module with no imports, in a
// folder without a package.json: it is loaded from a data: URL, so plain `node` runs it anywhere.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = readFileSync(`${root}web/src/format.js`, 'utf8');
const format = await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
const cases = JSON.parse(readFileSync(`${root}tests/fixtures/display/cases.json`, 'utf8'));

// Each kind of case: how to call the dashboard's formatter with its inputs.
const call = {
  money: (v) => format.moneyDigitsOf(v),
  money_dashboard: (v) => format.money(v),
  quantity: (v) => format.quantity(v),
  percent: (v) => format.percent(v),
  duration: (v) => format.duration(v),
  bytes: (v) => format.bytes(v),
  count: (n, noun, plural) => format.count(n, noun, plural),
};

let failed = 0, passed = 0;
for (const [kind, list] of Object.entries(cases)) {
  if (!Array.isArray(list)) continue;
  if (!call[kind]) {
    console.error(`FAIL: no dashboard formatter for the cases of '${kind}'`);
    failed++;
    continue;
  }
  for (const c of list) {
    const args = c.slice(0, -1), want = c[c.length - 1];
    const got = call[kind](...args);
    if (got === want) passed++;
    else {
      failed++;
      console.error(`FAIL: ${kind}(${args.map((a) => JSON.stringify(a)).join(', ')}) = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
}
console.log(`${passed} cases pass, ${failed} fail`);
process.exit(failed ? 1 : 0);
