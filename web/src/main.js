import './style.css';
import 'uplot/dist/uPlot.min.css';
import { getToken, clearToken } from './auth.js';
import { get, setUnauthorizedHandler, setMe } from './api.js';
import { parseHash } from './router.js';
import { loginForm } from './login.js';
import { h } from './dom.js';
import overview from './pages/overview.js';
import leaderboards from './pages/leaderboards.js';
import runs from './pages/runs.js';
import run from './pages/run.js';
import costs from './pages/costs.js';
import quotas from './pages/quotas.js';
import catalog from './pages/catalog.js';
import advice from './pages/advice.js';
import value from './pages/value.js';

const PAGES = { overview, leaderboards, value, runs, run, costs, quotas, catalog, advice };
// Pages that read every team's data: only admin tokens may. Members never land on them, so they
// never see (or make the browser log) a 403.
const ADMIN_ONLY = new Set(['overview', 'leaderboards', 'costs']);
let who = null; // {role, team} of the token, from /api/v1/me
const TITLES = { overview: 'Overview', leaderboards: 'Leaderboards', value: 'Value', runs: 'Runs', costs: 'Costs', quotas: 'Quotas', catalog: 'Catalog', advice: 'Advice' };

const main = document.getElementById('main');
let current = null; // {key, update, dispose}

function leave() {
  current?.dispose?.();
  current = null;
}

function showLogin(message) {
  leave();
  document.body.classList.add('signed-out');
  document.title = 'Frugal · Sign in';
  const { form, input } = loginForm(message, route);
  main.replaceChildren(form);
  input.focus();
}

function logout() {
  clearToken();
  who = null;
  setMe(null);
  if (parseHash().parts[0] === 'logout') history.replaceState(null, '', '#/overview');
  showLogin();
}

function markNav(name) {
  for (const a of document.querySelectorAll('.nav a')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function home() {
  return who && who.role !== 'admin' ? '#/runs' : '#/overview';
}

// Asks once who the token is; hides what it may not open.
async function identify() {
  try {
    who = await get('/api/v1/me');
    setMe(who);
  } catch (e) {
    who = null;
    setMe(null);
    // Signing in with a bad token: the form is already up, so say why it is still there.
    showLogin(e.status === 401 ? 'Your token was not accepted; enter another.' : e.message);
    return false;
  }
  const admin = who.role === 'admin';
  for (const a of document.querySelectorAll('.nav a')) a.hidden = !admin && ADMIN_ONLY.has(a.dataset.route);
  document.querySelector('.brand').setAttribute('href', home());
  return true;
}

// Counts navigations: one that waited for /api/v1/me while the user moved on must not undo the
// later one (signing in, then opening Runs at once, would otherwise land back on the overview).
let navigations = 0;

async function route() {
  const turn = ++navigations;
  if (parseHash().parts[0] === 'logout') return logout();
  if (!getToken()) return showLogin();
  if (!who && !(await identify())) return;
  if (turn !== navigations) return;
  const { parts, query } = parseHash();
  if (!parts.length || (who.role !== 'admin' && ADMIN_ONLY.has(parts[0]))) return location.replace(home());
  document.body.classList.remove('signed-out');
  const name = parts[0] === 'runs' && parts[1] ? 'run' : parts[0];
  const key = parts.slice(0, 2).join('/');
  markNav(parts[0]);
  // Same view, other filters: keep the controls (and the focus in them), reload the data.
  if (current?.key === key) return current.update(query);
  leave();
  main.replaceChildren();
  const page = PAGES[name];
  if (!page) {
    main.append(h('p', { class: 'error', 'data-testid': 'error' }, 'No such page. ', h('a', { href: '#/overview' }, 'Go to the overview')));
    return;
  }
  document.title = `Frugal · ${TITLES[name] || `Run ${parts[1]}`}`;
  current = { key, ...page(main, parts[1]) };
  window.scrollTo(0, 0);
  current.update(query);
}

// Several loads can fail at once; the first puts the form up, the others leave it be.
setUnauthorizedHandler(() => document.body.classList.contains('signed-out') || showLogin('Your token was not accepted; enter another.'));
document.querySelector('.logout').addEventListener('click', (e) => {
  e.preventDefault();
  logout();
});
window.addEventListener('hashchange', route);
route();
