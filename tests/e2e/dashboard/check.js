// The dashboard in headless Chromium (playwright-core + Debian's chromium) against `frugal serve`:
// every page loads with no console error, shows the API's numbers, keeps its filters in the URL,
// downloads the CSV it shows; a missing or expired token brings the login back; a member sees its
// team only. Environment: FRUGAL_URL, CHROMIUM, ARTIFACTS, ADMIN, MEMBER, EXPIRED, HAS_BILLS.
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

const base = process.env.FRUGAL_URL;
const artifacts = process.env.ARTIFACTS;
const failures = [];
const check = (ok, what) => { if (!ok) { failures.push(what); console.error(`FAIL: ${what}`); } };

async function api(token, p) {
  const r = await fetch(base + p, { headers: { Authorization: `Bearer ${token}` } });
  return r.json();
}
const dollars = (text) => parseFloat(String(text).replace(/[$,\s]/g, ''));
const LEGEND_KEYS = 8; // web/src/pages/costs.js
const WIDTHS = [1400, 390];

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  let consoleErrors = [];
  const open = async (width = 1280) => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
    // Layout shift while the page loads, summed as the browser reports it (CLS).
    await context.addInitScript(() => {
      window.__cls = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
        .observe({ type: 'layout-shift', buffered: true });
    });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    return page;
  };
  const signIn = async (page, token) => {
    await page.goto(base + '/');
    await page.waitForSelector('[data-testid=login]');
    await page.fill('#token', token);
    await page.click('[data-testid=login] button[type=submit]');
  };
  const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  const noErrors = (where) => { check(consoleErrors.length === 0, `${where}: console errors ${JSON.stringify(consoleErrors)}`); consoleErrors = []; };

  // ---- no token, then an expired one: the login ----
  let page = await open();
  await page.goto(base + '/#/leaderboards');
  await page.waitForSelector('[data-testid=login]');
  noErrors('login page');
  await shot(page, 'login');
  await signIn(page, process.env.EXPIRED);
  await page.waitForSelector('[data-testid=login] [data-testid=error]:not([hidden])');
  check((await page.textContent('[data-testid=login] [data-testid=error]')).includes('not accepted'), 'an expired token is refused with a message');
  consoleErrors = [];  // the browser logs the 401 itself; it is the point of this step

  // ---- admin: overview ----
  await signIn(page, process.env.ADMIN);
  await page.waitForSelector('[data-testid=spend]');
  const overview = await api(process.env.ADMIN, '/api/v1/overview?since=30d');
  const spendShown = dollars(await page.textContent('[data-testid=spend]'));
  check(Math.abs(spendShown - parseFloat(overview.spend_usd)) < 0.006, `overview spend ${spendShown} = API ${overview.spend_usd}`);
  await page.waitForSelector('[data-testid=costliest-runs-table] tbody tr');
  check(parseFloat(overview.saved.spot_usd) > 0 &&
        Math.abs(dollars(await page.textContent('[data-testid=saved-spot]')) - parseFloat(overview.saved.spot_usd)) < 0.006,
        `the spot run's saving is shown: ${overview.saved.spot_usd}`);
  check((await page.$$('[data-testid=costliest-runs-table] tbody tr')).length === overview.costliest_runs.length,
        'overview lists the API\'s costliest runs');
  check((await page.$$('[data-testid=quotas-near-limit] [data-testid=quota-row]')).length === overview.quotas_near_limit.length,
        'overview shows the quotas near their limit');
  await page.waitForSelector('[data-testid=spend-chart] canvas');
  const cls = await page.evaluate(() => window.__cls);
  check(cls < 0.1, `the overview does not shift while it loads (CLS ${cls})`);
  noErrors('overview');

  // ---- leaderboards: filters in the URL, numbers from the API, CSV = table ----
  await page.goto(base + '/#/leaderboards?by=user&metric=runs&since=30d');
  await page.waitForSelector('[data-testid=leaderboard-table] tbody tr');
  let board = await api(process.env.ADMIN, '/api/v1/top?by=user&metric=runs&since=30d');
  let rows = await page.$$eval('[data-testid=leaderboard-table] tbody tr', (trs) => trs.map((tr) => tr.querySelector('td').dataset.value));
  check(JSON.stringify(rows) === JSON.stringify(board.rows.map((r) => r.key)), `leaderboard by user = API: ${rows} vs ${board.rows.map((r) => r.key)}`);
  check(Math.abs(dollars(await page.textContent('[data-testid=leaderboard-total-cost]')) - parseFloat(board.total.cost_usd)) < 0.006,
        'leaderboard total = API');
  await page.selectOption('select[name=by]', 'project');
  await page.waitForFunction(() => location.hash.includes('by=project'));
  board = await api(process.env.ADMIN, '/api/v1/top?by=project&metric=runs&since=30d');
  await page.waitForFunction((first) => document.querySelector('[data-testid=leaderboard-table] thead th')?.textContent.startsWith('Project')
    && document.querySelector('[data-testid=leaderboard-table] tbody td')?.dataset.value === first, board.rows[0].key);
  rows = await page.$$eval('[data-testid=leaderboard-table] tbody tr', (trs) => trs.map((tr) => tr.querySelector('td').dataset.value));
  check(JSON.stringify(rows) === JSON.stringify(board.rows.map((r) => r.key)), 'a filter changes the URL and the data');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-csv]')]);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  const table = await page.$$eval('[data-testid=leaderboard-table] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.dataset.value)));
  check(csv.length === table.length + 1 && csv.slice(1).every((line, i) => line.split(',')[0] === table[i][0]),
        `the CSV download equals the table: ${csv.length - 1} lines for ${table.length} rows`);
  noErrors('leaderboards');

  // ---- runs, filtered; a run page with its curves ----
  await page.goto(base + '/#/runs?status=failed');
  await page.waitForSelector('[data-testid=runs-table] [data-testid=run-row]');
  const failed = await api(process.env.ADMIN, '/api/v1/runs?status=failed&limit=50');
  check((await page.$$('[data-testid=runs-table] [data-testid=run-row]')).length === failed.runs.length, 'runs filtered by status = API');
  // Paging: next, then previous, comes back to the first page.
  const ids = () => page.$$eval('[data-testid=run-row] td:first-child', (tds) => tds.map((td) => td.dataset.value));
  const firstId = () => page.evaluate(() => document.querySelector('[data-testid=run-row] td')?.dataset.value);
  await page.goto(base + '/#/runs');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 50);
  const firstPage = await ids();
  await page.click('[data-testid=next-page]');
  await page.waitForFunction((first) => location.hash.includes('page_token=') &&
    document.querySelector('[data-testid=run-row] td')?.dataset.value !== first, firstPage[0]);
  check(Number(await firstId()) < Number(firstPage[firstPage.length - 1]), 'the next page holds older runs');
  await page.click('[data-testid=previous-page]');
  await page.waitForFunction((first) => !location.hash.includes('page_token=') &&
    document.querySelector('[data-testid=run-row] td')?.dataset.value === first, firstPage[0]);
  check(JSON.stringify(await ids()) === JSON.stringify(firstPage), 'next, then previous, is the first page again');
  // The keyboard: focus the first row, arrow down, Enter opens that run.
  await page.focus('[data-testid=run-row]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => location.hash === `#/runs/${id}`, firstPage[1]);
  await page.goto(base + '/#/runs/1');
  await page.waitForSelector('[data-testid=run-cost]');
  const run = await api(process.env.ADMIN, '/api/v1/runs/1');
  check(Math.abs(dollars(await page.textContent('[data-testid=run-cost]')) - parseFloat(run.cost_usd)) < 0.006, 'the run page shows the run\'s cost');
  await page.waitForSelector('[data-testid=metric-chart] canvas');
  await page.waitForSelector('[data-testid=gpu-util-chart] canvas');
  noErrors('run page');

  // ---- costs, quotas, catalog ----
  await page.goto(base + '/#/costs?by=service&since=2020-01-01');
  await page.waitForSelector('[data-testid=costs-table]');
  if (process.env.HAS_BILLS) {
    const costs = await api(process.env.ADMIN, '/api/v1/costs?by=service&since=2020-01-01');
    // A long table shows its largest keys and a button for the rest.
    if (await page.$('[data-testid=costs-table-more]')) {
      check((await page.$$('[data-testid=costs-table] tbody tr')).length < costs.lines.length, 'a long costs table opens on its largest keys');
      await page.click('[data-testid=costs-table-more]');
    }
    check((await page.$$('[data-testid=costs-table] tbody tr')).length === costs.lines.length, 'costs by service = API');
    const shares = await page.$$eval('[data-testid=costs-table] tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent));
    check(shares.length > 0 && shares.every((s) => /^-?(\d{1,3}\.\d%|<0\.1%)$/.test(s)), `the share reads as a percentage: ${shares.slice(0, 3)}`);
    await page.waitForSelector('[data-testid=costs-chart] .u-legend');
    const legend = await page.$$eval('[data-testid=costs-chart] .u-legend .u-series', (s) => s.slice(1).map((e) => e.textContent));
    check(legend.length <= LEGEND_KEYS + 1 && (costs.lines.length <= LEGEND_KEYS + 1 || legend[LEGEND_KEYS].startsWith('other')),
          `the chart's legend: at most ${LEGEND_KEYS} keys and "other" (${legend.length} entries for ${costs.lines.length} keys)`);
    // The default window (30 days) holds none of the sample bill's lines: the page says what the
    // imported bills cover, and its link widens the window to all time.
    // Both come from the API's answer (its window, the bills' span): no second request for all time.
    const asked = [];
    const onRequest = (r) => { if (r.url().includes('/api/v1/costs')) asked.push(r.url()); };
    page.on('request', onRequest);
    await page.goto(base + '/#/costs');
    await page.waitForSelector('[data-testid=costs-table] [data-testid=empty]');
    page.off('request', onRequest);
    const said = await page.textContent('[data-testid=costs-table]');
    const window30 = await api(process.env.ADMIN, '/api/v1/costs?by=service&since=30d');
    const cover = window30.bills_cover;
    check(cover && /^2024-09-\d\d$/.test(cover.first_day) && /^2024-\d\d-\d\d$/.test(cover.last_day), `the API says which days the bills cover: ${JSON.stringify(cover)}`);
    check(said.includes(`No bill lines between ${window30.since.slice(0, 10)} and ${window30.until.slice(0, 10)}; the imported bills cover ${cover?.first_day} – ${cover?.last_day}`),
          `an empty window says which days the imported bills cover, as the API answered: "${said}"`);
    check(asked.length > 0 && asked.every((u) => !u.includes('since=1970')), `the empty window asks for no all-time costs: ${asked}`);
    await page.click('[data-testid=costs-widen]');
    await page.waitForFunction(() => location.hash.includes('since=all') && document.querySelector('[data-testid=costs-table] tbody tr'));
    check(await page.$eval('select[name=since]', (s) => s.value) === 'all', 'the period control reads "All time" after widening');
  } else {
    check((await page.textContent('[data-testid=costs-table]')).includes('frugal bill import'), 'no bills: the page says how to import one');
  }
  check(JSON.stringify(await page.$$eval('select[name=since] option', (o) => o.map((e) => e.value)).then((v) => v.filter((x) => ['365d', 'all'].includes(x))))
        === '["365d","all"]', 'the period control offers a year and all time');
  noErrors('costs');
  await page.goto(base + '/#/quotas');
  await page.waitForSelector('[data-testid=quota-row]');
  check((await page.$$('[data-testid=quota-row]')).length === (await api(process.env.ADMIN, '/api/v1/quotas')).quotas.length, 'quotas = API');
  noErrors('quotas');
  await page.goto(base + '/#/advice');
  await page.waitForSelector('[data-testid=advice-table]');
  const advice = (await api(process.env.ADMIN, '/api/v1/recommendations')).recommendations;
  // One row per (rule, target, action); those saving under half a cent a month behind a button.
  const findings = new Map();
  for (const r of advice) findings.set(JSON.stringify([r.rule, r.target, r.action]), r);
  const worth = [...findings.values()].filter((r) => parseFloat(r.monthly_saving_usd) >= 0.005).length;
  const adviceRows = () => page.$$('[data-testid=advice-table] tbody tr');
  check((await adviceRows()).length === worth, `advice opens on the ${worth} findings worth a cent a month`);
  if (worth < findings.size) {
    check((await page.textContent('[data-testid=advice-show-trivial]')).includes(`${findings.size - worth} more under $0.01`),
          'the button says how many findings save under a cent');
    await page.click('[data-testid=advice-show-trivial]');
  }
  check(advice.length > 0 && (await adviceRows()).length === findings.size, `advice = API, one row per finding (${findings.size})`);
  const firstSaving = dollars(await page.textContent('[data-testid=advice-saving] >> nth=0'));
  check(Math.abs(firstSaving - parseFloat(advice[0].monthly_saving_usd)) < 0.006 && /^\$0\.0*[1-9]\d?$|^\$[\d,]+\.\d\d$/.test(await page.textContent('[data-testid=advice-saving] >> nth=0')),
        `the largest saving first, in dollars: ${firstSaving} = API ${advice[0].monthly_saving_usd}`);
  const adviceIds = await page.$$eval('[data-testid=advice-id] code', (c) => c.map((e) => e.textContent));
  check(advice.every((r) => adviceIds.includes(r.id)), 'every id to dismiss is on the page');
  check(overview.recommendations_open === advice.length, `the overview counts ${overview.recommendations_open} open`);
  noErrors('advice');
  await page.goto(base + '/#/catalog?gpu=H100&count=8&pricing=on_demand');
  await page.waitForSelector('[data-testid=offers-table] tbody tr');
  const offers = await api(process.env.ADMIN, '/api/v1/catalog/cheapest?gpu=H100&count=8&pricing=on_demand');
  check((await page.$$('[data-testid=offers-table] tbody tr')).length === offers.offers.length, 'catalog offers = API');
  noErrors('catalog');

  // ---- value: an experiment's runs, quality against cost, the Pareto frontier ----
  // The page asks the API with its defaults (best value, within 1%, all time); the test asks the same.
  const value = await api(process.env.ADMIN, '/api/v1/value?experiment=sweep&metric=acc&at=best&within=1&since=1970-01-01');
  const frontierRuns = (value.runs || []).filter((r) => r.on_frontier);
  const dominatedRuns = (value.runs || []).filter((r) => r.dominated_by != null);
  check(value.runs?.length >= 3 && frontierRuns.length >= 2 && dominatedRuns.length >= 1 && value.apart?.some((r) => r.value == null),
        `the seeded experiment has frontier, dominated and unplotted runs: ${JSON.stringify(value.summary)}`);
  await page.goto(base + '/#/value?experiment=sweep&metric=acc');
  await page.waitForSelector('[data-testid=value-chart] [data-testid=value-point]');
  const points = '[data-testid=value-chart] [data-testid=value-point]';
  check((await page.$$(points)).length === value.runs.length, `one point per placed run: ${(await page.$$(points)).length} for ${value.runs.length}`);
  check((await page.$$(`${points}.frontier`)).length === frontierRuns.length, `the frontier's ${frontierRuns.length} runs are highlighted`);
  check((await page.$$(`${points}.dominated`)).length === dominatedRuns.length, `the ${dominatedRuns.length} dominated runs are dimmed`);
  check(frontierRuns.length < 2 || !!(await page.$('[data-testid=value-frontier-line]')), 'the frontier is drawn as a line');
  const plotted = await page.$$eval(points, (as) => as.map((a) => a.dataset.runId).sort());
  check(JSON.stringify(plotted) === JSON.stringify(value.runs.map((r) => String(r.run_id)).sort()), `the points are the API's runs: ${plotted}`);
  const totalShown = await page.$eval('[data-testid=value-total-cost]', (e) => ({ text: e.textContent, raw: e.dataset.value }));
  const total = parseFloat(value.summary.total_cost_usd);
  check(totalShown.raw === value.summary.total_cost_usd && Math.abs(dollars(totalShown.text) - total) <= Math.max(0.006, total * 0.05),
        `the summary shows the API's total cost: ${totalShown.text} for ${value.summary.total_cost_usd}`);
  check((await page.$$('[data-testid=value-table] [data-testid=value-row]')).length === value.runs.length, 'the table lists the placed runs');
  const apartRows = await page.$$eval('[data-testid=value-apart-table] [data-testid=value-apart-row]', (trs) => trs.map((tr) => tr.textContent));
  const silent = value.apart.find((r) => r.value == null);
  check(apartRows.length === value.apart.length && apartRows.some((t) => silent && t.includes(silent.name) && t.includes('no metric')),
        `the run without the metric is listed apart, with why: ${apartRows}`);
  if (value.summary.best_run != null) {
    check((await page.textContent('[data-testid=value-best-run]')).includes(String(value.summary.best_run)), 'the summary names the best run');
  }
  await shot(page, 'value');
  noErrors('value');
  // A frontier point opens its run.
  const target = frontierRuns[frontierRuns.length - 1];
  await page.click(`${points}[data-run-id="${target.run_id}"]`);
  await page.waitForFunction((id) => location.hash === `#/runs/${id}`, target.run_id);
  await page.waitForSelector('[data-testid=run-cost]');
  check((await page.textContent('h1')).includes(target.name), `clicking a point opens its run (${target.name})`);
  // An experiment with no runs says so, and how runs join one.
  await page.goto(base + '/#/value?experiment=nosuch&metric=acc');
  await page.waitForSelector('[data-testid=empty]');
  check((await page.textContent('[data-testid=empty]')).includes('frugal run --experiment nosuch'), 'an empty experiment says which command fills it');
  noErrors('value, empty');
  // From the nav link, with nothing chosen: the experiments, then the metrics of the one picked.
  await page.click('.nav a[data-route=value]');
  await page.waitForSelector('[data-testid=value-experiments] a');
  await page.click('[data-testid=value-experiments] a:text-is("sweep")');
  await page.waitForSelector('[data-testid=value-metric-link]');
  check((await page.$$eval('[data-testid=value-metric-link]', (as) => as.map((a) => a.textContent))).includes('acc'), 'the experiment\'s metrics are offered');
  await page.click('[data-testid=value-metric-link]:text-is("acc")');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=value-chart] [data-testid=value-point]').length === n, value.runs.length);
  check(await page.evaluate(() => location.hash.includes('experiment=sweep') && location.hash.includes('metric=acc')), 'the choices are in the URL');
  noErrors('value, picking');

  // ---- a phone's width: the runs page still fits ----
  // Signing in and opening Runs at once: the sign-in's own /api/v1/me answers last (held here until
  // Runs has shown), and must not send the user back to the overview. CI once lost this race.
  const phone = await open(390);
  const runRows = '[data-testid=runs-table] [data-testid=run-row]';
  let releaseFirstMe;
  const firstMeHeld = new Promise((resolve) => { releaseFirstMe = resolve; });
  let meCalls = 0;
  await phone.route('**/api/v1/me', async (r) => { if (meCalls++ === 0) await firstMeHeld; await r.continue(); });
  await signIn(phone, process.env.ADMIN);
  await phone.goto(base + '/#/runs');
  await phone.waitForSelector(runRows);
  releaseFirstMe();
  await phone.waitForLoadState('networkidle');
  check(meCalls === 2 && await phone.evaluate(() => location.hash.startsWith('#/runs')) && (await phone.$$(runRows)).length > 0,
        `signing in then opening Runs at once stays on Runs (${await phone.evaluate(() => location.hash)}, /me asked ${meCalls} times)`);
  await phone.unroute('**/api/v1/me');
  check(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scroll at 390 px');
  noErrors('phone');
  await shot(phone, 'runs-phone');

  // ---- a member: its team's runs, no admin pages ----
  const member = await open();
  await signIn(member, process.env.MEMBER);
  await member.waitForFunction(() => location.hash.startsWith('#/runs'));
  await member.waitForSelector('[data-testid=runs-table] [data-testid=run-row]');
  const teams = await member.$$eval('[data-testid=runs-table] [data-testid=run-row]', (trs) => trs.map((tr) => tr.textContent));
  check(teams.every((t) => !t.includes('nlp')), 'a member sees its own team\'s runs only');
  check(await member.isHidden('.nav a[data-route=overview]'), 'a member is not offered the admin pages');
  check(await member.isVisible('.nav a[data-route=value]'), 'a member is offered the value page (its team\'s runs)');
  noErrors('member');

  // ---- the run page says what was sampled, and shows it ----
  const allRuns = (await api(process.env.ADMIN, '/api/v1/runs?limit=1000')).runs;
  const sampled = allRuns.find((r) => r.name === 'python3'); // watched, host samples, no GPU
  const bare = allRuns.find((r) => r.name === 'sleep');      // watched too briefly for a sample
  const hostSamples = await api(process.env.ADMIN, `/api/v1/runs/${sampled.id}/samples?buckets=400`);
  check(sampled.team === 'vision' && hostSamples.samples > 1, `the watched run is the member's team's, with host samples (${hostSamples.samples})`);
  await page.goto(base + `/#/runs/${sampled.id}`);
  await page.waitForSelector('[data-testid=gpu-none]');
  const sampledText = await page.textContent('[data-testid=gpu-none]');
  check(sampledText.includes('watched this job') && sampledText.includes(`(${hostSamples.samples} samples of its CPU and memory)`),
        `a watched run without GPUs says it was watched, how often, and saw none: "${sampledText}"`);
  await page.waitForSelector('[data-testid=cpu-chart] canvas');
  await page.waitForSelector('[data-testid=rss-chart] canvas');
  const hostSummary = await page.textContent('[data-testid=host-summary]');
  check(/CPU: mean [\d.]+%, peak [\d.]+% of one core · Memory \(resident\): peak [\d.]+ [kMG]B/.test(hostSummary),
        `the CPU and memory samples are summed up: ${hostSummary}`);
  await page.goto(base + `/#/runs/${bare.id}`);
  await page.waitForSelector('[data-testid=gpu-none]');
  const bareText = await page.textContent('[data-testid=gpu-none]');
  check(bareText.includes('No resource samples were recorded') && !(await page.$('[data-testid=resources] .chart')),
        `a run with no samples says so, with no empty chart box: "${bareText}"`);
  check((await page.$eval('[data-testid=resources]', (e) => e.getBoundingClientRect().height)) < 150, 'no large empty box where no samples are');
  noErrors('run pages');
  // A member reads the same run page of its own team, CPU and memory included, without a request
  // it may not make (no 403 in the console).
  await member.goto(base + `/#/runs/${sampled.id}`);
  await member.waitForSelector('[data-testid=gpu-none]');
  check((await member.textContent('[data-testid=gpu-none]')) === sampledText, 'a member is told its team\'s run was watched and saw no GPU');
  await member.waitForSelector('[data-testid=cpu-chart] canvas');
  await member.waitForSelector('[data-testid=rss-chart] canvas');
  check((await member.textContent('[data-testid=host-summary]')) === hostSummary,
        `a member sees the CPU and memory of its team's sampled run: "${await member.textContent('[data-testid=host-summary]')}"`);
  await member.waitForLoadState('networkidle');
  noErrors('a member on a run page');

  // ---- every page as a person sees it: wide and phone-sized, nothing wider than its box ----
  // A raw float: five or more significant digits after the point, or an exponent.
  const RAW_FLOAT = /(^|[^\w.])(0?\.0*[1-9]\d{4,}|[1-9]\d*\.\d{5,}|\d+(\.\d+)?e[-+]\d+)(?![\w])/;
  const views = [
    ['overview', '#/overview', '[data-testid=spend-chart] canvas'],
    ['leaderboards', '#/leaderboards?by=user&metric=cost&since=all', '[data-testid=leaderboard-table] tbody tr'],
    ['runs', '#/runs', '[data-testid=run-row]'],
    ['run', '#/runs/1', '[data-testid=gpu-util-chart] canvas'],
    ['run-sampled', `#/runs/${sampled.id}`, '[data-testid=cpu-chart] canvas'],
    ['run-unsampled', `#/runs/${bare.id}`, '[data-testid=gpu-none]'],
    ['costs', '#/costs', '[data-testid=costs-table]'],
    ['costs-by-service', '#/costs?by=service&since=all', process.env.HAS_BILLS ? '[data-testid=costs-chart] canvas' : '[data-testid=costs-table]'],
    ['costs-by-account', '#/costs?by=account&since=all', '[data-testid=costs-table]'],
    ['quotas', '#/quotas', '[data-testid=quota-row]'],
    ['value', '#/value?experiment=sweep&metric=acc', '[data-testid=value-point]'],
    ['advice', '#/advice', '[data-testid=advice-table]', '[data-testid=advice-show-trivial]'],
    ['catalog', '#/catalog?gpu=H100&count=8&pricing=on_demand', '[data-testid=offers-table] tbody tr'],
  ];
  for (const width of WIDTHS) {
    const viewer = await open(width);
    await signIn(viewer, process.env.ADMIN);
    await viewer.waitForSelector('[data-testid=spend]');
    for (const [name, hash, ready, click] of views) {
      await viewer.goto(base + '/' + hash);
      await viewer.waitForSelector(ready);
      if (click && await viewer.$(click)) await viewer.click(click);
      await viewer.waitForLoadState('networkidle');
      await viewer.waitForFunction(() => !document.querySelector('[aria-busy=true], .loading'));
      const where = `${name} at ${width} px`;
      const wide = await viewer.evaluate(() => {
        const out = [];
        if (document.documentElement.scrollWidth > innerWidth + 1) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${innerWidth}`);
        for (const el of document.querySelectorAll('table, .table-wrap, .card, .stat, .chart, .empty, .page-head, .controls, .facts, p')) {
          const w = el.getBoundingClientRect().width, box = el.parentElement.getBoundingClientRect().width;
          if (w > box + 1) out.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : `.${el.className}`} ${Math.round(w)} px in ${Math.round(box)} px`);
        }
        return out;
      });
      check(wide.length === 0, `${where}: nothing wider than its box (${wide.slice(0, 4).join('; ')})`);
      const raw = await viewer.evaluate((re) => (new RegExp(re).exec(document.body.innerText) || [])[0], RAW_FLOAT.source);
      check(!raw, `${where}: no raw float on the page (${raw})`);
      if (name === 'advice') {
        // Every column of the finding, up to the id to dismiss it by, in view without scrolling sideways.
        const out = await viewer.$$eval('[data-testid=advice-table] td', (tds) => tds.filter((td) => td.getBoundingClientRect().right > innerWidth + 1).length);
        check(out === 0, `${where}: every advice cell in view (${out} past the edge)`);
      }
      if (name.startsWith('costs-by') && await viewer.$('[data-testid=costs-chart] .u-legend')) {
        const n = await viewer.$$eval('[data-testid=costs-chart] .u-legend .u-series', (s) => s.length - 1);
        check(n <= LEGEND_KEYS + 1, `${where}: the legend has at most ${LEGEND_KEYS + 1} entries (${n})`);
      }
      noErrors(where);
      await viewer.waitForTimeout(200); // the body's fade-in after loading (style.css, .15 s)
      await shot(viewer, `${name}-${width}`);
    }
  }

  await browser.close();
  if (failures.length) process.exit(1);
})().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
