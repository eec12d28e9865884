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
  await shot(page, 'overview');

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
  await shot(page, 'leaderboards');

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
  await shot(page, 'run');

  // ---- costs, quotas, catalog ----
  await page.goto(base + '/#/costs?by=service&since=2020-01-01');
  await page.waitForSelector('[data-testid=costs-table]');
  if (process.env.HAS_BILLS) {
    const costs = await api(process.env.ADMIN, '/api/v1/costs?by=service&since=2020-01-01');
    check((await page.$$('[data-testid=costs-table] tbody tr')).length === costs.lines.length, 'costs by service = API');
  } else {
    check((await page.textContent('[data-testid=costs-table]')).includes('frugal bill import'), 'no bills: the page says how to import one');
  }
  noErrors('costs');
  await shot(page, 'costs');
  await page.goto(base + '/#/quotas');
  await page.waitForSelector('[data-testid=quota-row]');
  check((await page.$$('[data-testid=quota-row]')).length === (await api(process.env.ADMIN, '/api/v1/quotas')).quotas.length, 'quotas = API');
  noErrors('quotas');
  await shot(page, 'quotas');
  await page.goto(base + '/#/advice');
  await page.waitForSelector('[data-testid=advice-table] tbody tr');
  const advice = (await api(process.env.ADMIN, '/api/v1/recommendations')).recommendations;
  check(advice.length > 0 && (await page.$$('[data-testid=advice-table] tbody tr')).length === advice.length, 'advice = API');
  const firstSaving = dollars(await page.textContent('[data-testid=advice-saving] >> nth=0'));
  check(Math.abs(firstSaving - parseFloat(advice[0].monthly_saving_usd)) < 0.006,
        `the largest saving first, in dollars: ${firstSaving} = API ${advice[0].monthly_saving_usd}`);
  check(overview.recommendations_open === advice.length, `the overview counts ${overview.recommendations_open} open`);
  noErrors('advice');
  await shot(page, 'advice');
  await page.goto(base + '/#/catalog?gpu=H100&count=8&pricing=on_demand');
  await page.waitForSelector('[data-testid=offers-table] tbody tr');
  const offers = await api(process.env.ADMIN, '/api/v1/catalog/cheapest?gpu=H100&count=8&pricing=on_demand');
  check((await page.$$('[data-testid=offers-table] tbody tr')).length === offers.offers.length, 'catalog offers = API');
  noErrors('catalog');
  await shot(page, 'catalog');

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
  noErrors('member');

  await browser.close();
  if (failures.length) process.exit(1);
})().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
