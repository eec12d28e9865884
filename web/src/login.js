import { h } from './dom.js';
import { setToken } from './auth.js';

export function loginForm(message, onDone) {
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'frugal_…', 'aria-describedby': 'token-help',
  });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: !message }, message || '');
  const form = h('form', { class: 'login card', 'data-testid': 'login' },
    h('h1', {}, 'Sign in'),
    error,
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { id: 'token-help', class: 'muted' }, 'An admin sees everything; a member sees its team. Create a token with ',
      h('code', {}, 'frugal token create --role admin'), '.'),
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token.startsWith('frugal_')) {
      error.textContent = 'A Frugal token starts with frugal_.';
      error.hidden = false;
      input.focus();
      return;
    }
    setToken(token);
    onDone();
  });
  return { form, input };
}
