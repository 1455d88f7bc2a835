// The player page: events and prices, sign-in, a bet slip, the wallet, my bets and messages,
// all through the public API. Server text only ever reaches the page as text nodes
// (textContent / append of strings), never as HTML, and no handler is inline, so a strict
// Content-Security-Policy can be switched on without changes here.
import {
  currencyExponent,
  formatMinor,
  parseMajorToMinor,
  payout,
  priceToThousandths,
} from './money.js';

const REFRESH_MS = 10_000;
const EVENTS_PAGE = 50;
const BETS_PAGE = 20;
const MAX_AMOUNT = /^[1-9][0-9]{0,14}$/; // the API's Amount pattern
const TOKENS_KEY = 'ibet.tokens';
const DEFAULT_CURRENCY = 'EUR';

const $ = (id) => document.getElementById(id);

/** Builds an element. Strings among `children` become text nodes; nothing is parsed as HTML. */
function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) element.append(child);
  }
  return element;
}

// ---------------------------------------------------------------------------------------
// Tokens and the API client

const tokens = {
  get() {
    try {
      const value = JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? 'null');
      return value && typeof value.accessToken === 'string' ? value : null;
    } catch {
      return null;
    }
  },
  set({ accessToken, refreshToken }) {
    try {
      sessionStorage.setItem(TOKENS_KEY, JSON.stringify({ accessToken, refreshToken }));
    } catch {
      // Storage refused (private mode, quota): the session lasts until the page closes.
      memoryTokens = { accessToken, refreshToken };
    }
  },
  clear() {
    memoryTokens = null;
    try {
      sessionStorage.removeItem(TOKENS_KEY);
    } catch {
      // nothing stored
    }
  },
};
let memoryTokens = null;
const currentTokens = () => tokens.get() ?? memoryTokens;

/** A problem+json (or other non-2xx) answer. */
class Problem extends Error {
  constructor(status, body) {
    super(typeof body?.detail === 'string' ? body.detail : `The server answered ${status}.`);
    this.status = status;
    this.body = body ?? {};
    this.code = typeof body?.code === 'string' ? body.code : undefined;
  }
}

/** No answer at all: the request may or may not have reached the server. */
class NetworkError extends Error {}

/** A fresh idempotency key. crypto.randomUUID needs a secure context (not plain http on a LAN). */
function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  const parts = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
  return `${parts.join('-')}-${hex.slice(20)}`;
}

async function send(method, path, { body, token, idempotencyKey }) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  try {
    return await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new NetworkError('We could not reach iBet. Check your connection.');
  }
}

async function read(response) {
  const type = response.headers.get('content-type') ?? '';
  let body;
  if (type.includes('json')) {
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
  }
  if (!response.ok) throw new Problem(response.status, body);
  return body;
}

// Refresh tokens are single-use: concurrent 401s must share one refresh, not race for it.
let refreshing = null;

async function exchangeRefreshToken() {
  const refreshToken = currentTokens()?.refreshToken;
  if (!refreshToken) return false;
  const response = await send('POST', '/api/v1/auth/refresh', { body: { refreshToken } });
  if (!response.ok) return false;
  tokens.set(await response.json());
  return true;
}

function refreshSession() {
  refreshing ??= exchangeRefreshToken().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

const SESSION_ENDED = 'Your session has ended. Please log in again.';

/**
 * Calls the API. Public routes go without a token: the server rejects an expired one even
 * where none is needed. With `auth`, a 401 triggers one refresh and one retry; if that
 * fails the player is signed out and sees the login form.
 */

async function api(method, path, { body, auth = false, idempotencyKey } = {}) {
  const sentToken = auth ? currentTokens()?.accessToken : undefined;
  if (auth && !sentToken) {
    signedOut('Please log in.');
    throw new Problem(401, { detail: 'Please log in.', code: 'unauthenticated' });
  }
  let response = await send(method, path, { body, token: sentToken, idempotencyKey });
  if (auth && response.status === 401) {
    // Another request may already have refreshed while this one was in flight.
    const latest = currentTokens()?.accessToken;
    const renewed = latest && latest !== sentToken ? true : await refreshSession();
    if (renewed) {
      response = await send(method, path, {
        body,
        token: currentTokens()?.accessToken,
        idempotencyKey,
      });
    }
    if (response.status === 401) {
      signedOut(SESSION_ENDED);
      throw new Problem(401, { code: 'session_ended', detail: SESSION_ENDED });
    }
  }
  return read(response);
}

// ---------------------------------------------------------------------------------------
// State

const state = {
  me: null,
  /** Between the password and the authenticator code of a sign-in. */
  mfaToken: null,
  wallet: null,
  sports: [],
  sport: null,
  events: new Map(),
  nextCursor: null,
  eventsRequest: 0,
  /** selectionId → { event, market, selection, button } for what is on screen. */
  selections: new Map(),
  /** eventId → leg: one selection per event. */
  slip: new Map(),
  /** { key, body } of a bet whose outcome is unknown; a retry of the same body reuses the key. */
  pendingBet: null,
  pendingDeposit: null,
  bets: [],
  betsCursor: null,
  messageIds: null,
  timer: null,
  refreshingAccount: false,
  refreshAgain: false,
  rendered: { wallet: '', bets: '', messages: '' },
};

const currency = () => state.wallet?.currency ?? state.me?.currency ?? DEFAULT_CURRENCY;
const money = (minor, code = currency()) => formatMinor(minor, code);

// ---------------------------------------------------------------------------------------
// Messages to the player

let noticeTimer;

function notify(text, kind = 'info') {
  const notice = $('notice');
  clearTimeout(noticeTimer);
  notice.className = `notice notice-${kind}`;
  notice.textContent = text;
  $('dismiss').hidden = false;
  if (kind !== 'error') noticeTimer = setTimeout(clearNotice, 15_000);
}

function clearNotice() {
  clearTimeout(noticeTimer);
  $('notice').textContent = '';
  $('notice').className = 'notice';
  $('dismiss').hidden = true;
}

/** The text a player sees for a failed call: the problem's detail, never the raw document. */
function describe(error) {
  if (error instanceof NetworkError) return error.message;
  if (!(error instanceof Problem)) return 'Something went wrong on this page. Please reload it.';
  const body = error.body;
  let text = error.message;
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    const fields = body.errors
      .map((e) => `${String(e.path ?? '').replace(/^\//, '') || 'request'} ${e.message ?? ''}`)
      .join('; ');
    text += ` (${fields.trim()})`;
  }
  const isAmount = (value) => typeof value === 'string' && /^[0-9]+$/.test(value);
  if (error.code === 'stake_out_of_range' && isAmount(body.minStake) && isAmount(body.maxStake)) {
    text += ` That is ${money(body.minStake)} to ${money(body.maxStake)}.`;
  }
  if (error.code === 'payout_too_high' && isAmount(body.maxStake)) {
    text += ` The largest stake accepted is ${money(body.maxStake)}.`;
  }
  if (error.code === 'insufficient_funds' && isAmount(body.balance)) {
    text += ` Your balance is ${money(body.balance)}.`;
  }
  return text;
}

function report(error) {
  if (!(error instanceof Problem) && !(error instanceof NetworkError)) console.error(error);
  notify(describe(error), 'error');
}

async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = before;
    button.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------------------------------
// Events and prices

const whenFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function when(iso, format = whenFormat) {
  const date = new Date(iso);
  return h('time', {
    datetime: iso,
    text: Number.isNaN(date.getTime()) ? iso : format.format(date),
  });
}

async function loadSports() {
  try {
    state.sports = await api('GET', '/api/v1/sports');
  } catch (error) {
    state.sports = [];
    report(error);
  }
  renderSports();
}

function renderSports() {
  const chip = (slug, label) => {
    const button = h('button', {
      type: 'button',
      class: 'chip',
      'aria-pressed': String(state.sport === slug),
      'data-sport': slug ?? '',
      text: label,
    });
    return h('li', {}, button);
  };
  const items = [chip(null, 'All sports')];
  for (const sport of state.sports) {
    const upcoming = sport.competitions.reduce((sum, c) => sum + c.upcomingEvents, 0);
    if (upcoming > 0) items.push(chip(sport.slug, `${sport.name} (${upcoming})`));
  }
  $('sports').replaceChildren(...items);
}

async function loadEvents({ append = false } = {}) {
  const request = ++state.eventsRequest;
  const params = new URLSearchParams({ limit: String(EVENTS_PAGE) });
  if (state.sport) params.set('sport', state.sport);
  if (append && state.nextCursor) params.set('cursor', state.nextCursor);
  if (!append) $('events-status').textContent = 'Loading events…';
  try {
    const page = await api('GET', `/api/v1/events?${params}`);
    if (request !== state.eventsRequest) return; // a newer filter won
    if (!append) state.events = new Map();
    for (const event of page.items) state.events.set(event.id, event);
    state.nextCursor = page.nextCursor;
    renderEvents();
  } catch (error) {
    if (request !== state.eventsRequest) return;
    $('events-status').textContent = 'The events could not be loaded.';
    $('events-status').hidden = false;
    report(error);
  }
}

const MARKET_STATUS = { suspended: 'Suspended', closed: 'Closed', settled: 'Settled' };

/** Why an event's prices cannot be taken now, or null if they can. */
function closedReason(event, market) {
  if (market.status !== 'open') return MARKET_STATUS[market.status] ?? market.status;
  if (event.status === 'live') return 'In play';
  if (event.status !== 'scheduled' || Date.parse(event.startsAt) <= Date.now()) return 'Started';
  return null;
}

function renderEvents() {
  // Group by sport, then competition, in the catalogue's order; events stay soonest first.
  const sportOrder = new Map(state.sports.map((s, i) => [s.id, i]));
  const competitionOrder = new Map(
    state.sports.flatMap((s) => s.competitions.map((c, i) => [c.id, i])),
  );
  const groups = new Map();
  for (const event of state.events.values()) {
    let sport = groups.get(event.sport.id);
    if (!sport) {
      sport = { sport: event.sport, competitions: new Map() };
      groups.set(event.sport.id, sport);
    }
    let competition = sport.competitions.get(event.competition.id);
    if (!competition) {
      competition = { competition: event.competition, events: [] };
      sport.competitions.set(event.competition.id, competition);
    }
    competition.events.push(event);
  }
  const rank = (order, id) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  const countries = new Map(
    state.sports.flatMap((s) => s.competitions.map((c) => [c.id, c.country])),
  );

  state.selections = new Map();
  const sections = [...groups.values()]
    .sort((a, b) => rank(sportOrder, a.sport.id) - rank(sportOrder, b.sport.id))
    .map((group) =>
      h(
        'section',
        { class: 'sport' },
        h('h2', { text: group.sport.name }),
        [...group.competitions.values()]
          .sort(
            (a, b) =>
              rank(competitionOrder, a.competition.id) - rank(competitionOrder, b.competition.id),
          )
          .map(({ competition, events }) =>
            h(
              'section',
              { class: 'competition' },
              h(
                'h3',
                {},
                competition.name,
                countries.get(competition.id)
                  ? h('span', { class: 'muted', text: ` · ${countries.get(competition.id)}` })
                  : null,
              ),
              events.map(renderEvent),
            ),
          ),
      ),
    );
  $('events').replaceChildren(...sections);
  const status = $('events-status');
  status.hidden = state.events.size > 0;
  status.textContent = state.events.size > 0 ? '' : 'No upcoming events right now.';
  $('more-events').hidden = !state.nextCursor;
}

function renderEvent(event) {
  return h(
    'article',
    { class: 'event' },
    h(
      'header',
      { class: 'event-header' },
      h('h4', { text: event.name }),
      h(
        'p',
        { class: 'event-when' },
        event.status === 'live' ? h('span', { class: 'badge badge-live', text: 'Live' }) : null,
        ' ',
        when(event.startsAt),
      ),
    ),
    event.markets.map((market) => renderMarket(event, market)),
  );
}

function renderMarket(event, market) {
  const reason = closedReason(event, market);
  const headingId = `market-${market.id}`;
  const buttons = market.selections.map((selection) => {
    const leg = state.slip.get(event.id);
    const button = h(
      'button',
      {
        type: 'button',
        class: 'price',
        'data-selection': selection.id,
        'aria-pressed': String(leg?.selectionId === selection.id),
        disabled: reason !== null,
      },
      h('span', { class: 'price-name', text: selection.name }),
      ' ',
      h('span', { class: 'price-odds', text: selection.price }),
    );
    state.selections.set(selection.id, { event, market, selection, button });
    return button;
  });
  return h(
    'div',
    {
      class: `market${reason ? ' market-closed' : ''}`,
      role: 'group',
      'aria-labelledby': headingId,
    },
    h(
      'h5',
      { id: headingId },
      market.name,
      reason ? ' ' : null,
      reason ? h('span', { class: 'badge', text: reason }) : null,
    ),
    h('div', { class: 'prices' }, buttons),
  );
}

function markPressed() {
  for (const { event, selection, button } of state.selections.values()) {
    button.setAttribute(
      'aria-pressed',
      String(state.slip.get(event.id)?.selectionId === selection.id),
    );
  }
}

// ---------------------------------------------------------------------------------------
// Bet slip

function toggleSelection(selectionId) {
  const found = state.selections.get(selectionId);
  if (!found) return;
  const { event, market, selection } = found;
  if (state.slip.get(event.id)?.selectionId === selectionId) {
    state.slip.delete(event.id);
  } else {
    // One selection per event: another selection of the same event replaces it.
    state.slip.set(event.id, {
      eventId: event.id,
      selectionId,
      eventName: event.name,
      marketName: market.name,
      selectionName: selection.name,
      price: selection.price,
      previousPrice: null,
    });
  }
  markPressed();
  renderSlip();
}

function renderSlip() {
  const legs = [...state.slip.values()];
  $('slip-empty').hidden = legs.length > 0;
  $('slip-form').hidden = legs.length === 0;
  const kind = $('slip-kind');
  kind.hidden = legs.length === 0;
  kind.textContent = legs.length > 1 ? `Multiple · ${legs.length} legs` : 'Single';
  $('slip-legs').replaceChildren(
    ...legs.map((leg) =>
      h(
        'li',
        { class: `slip-leg${leg.previousPrice ? ' slip-leg-changed' : ''}` },
        h(
          'div',
          { class: 'slip-leg-text' },
          h('strong', { text: leg.selectionName }),
          ' ',
          h('span', { text: leg.marketName }),
          ' ',
          h('span', { class: 'muted', text: leg.eventName }),
        ),
        h(
          'p',
          { class: 'slip-leg-price' },
          leg.previousPrice ? h('del', { text: leg.previousPrice }) : null,
          leg.previousPrice ? ' ' : null,
          h('span', { text: leg.price }),
          leg.previousPrice ? h('span', { class: 'visually-hidden', text: ' (new price)' }) : null,
        ),
        h('button', {
          type: 'button',
          class: 'remove',
          'data-remove': leg.eventId,
          'aria-label': `Remove ${leg.selectionName} (${leg.eventName}) from the slip`,
          text: '×',
        }),
      ),
    ),
  );
  const jump = $('slip-jump');
  jump.hidden = legs.length === 0;
  jump.textContent = `Bet slip (${legs.length}) · ${legs.length > 1 ? 'Multiple' : 'Single'}`;
  const changed = legs.some((leg) => leg.previousPrice);
  const place = $('place-bet');
  if (!place.hasAttribute('aria-busy')) {
    place.textContent = changed ? 'Accept new prices and place bet' : 'Place bet';
  }
  for (const id of ['stake-currency', 'deposit-currency']) $(id).textContent = currency();
  updatePayout();
}

/** The stake in minor units as the API wants it, or null with a reason. */
function stakeMinor() {
  const text = $('stake').value;
  if (text.trim() === '') return { minor: null, reason: 'Enter a stake.' };
  const minor = parseMajorToMinor(text, currencyExponent(currency()));
  if (minor === null || minor === '0') {
    return { minor: null, reason: `Enter a stake: ${amountHint(currency())}.` };
  }
  if (!MAX_AMOUNT.test(minor)) return { minor: null, reason: 'That stake is too large.' };
  return { minor, reason: null };
}

/** What to type in a currency: "an amount like 5.50 (at most 2 decimals)", or a whole number. */
function amountHint(code) {
  const exponent = currencyExponent(code);
  return exponent === 0
    ? 'a whole number like 5'
    : `an amount like 5.${'5'.padEnd(exponent, '0')} (at most ${exponent} decimals)`;
}

function updatePayout() {
  const output = $('payout');
  const stake = $('stake');
  const legs = [...state.slip.values()];
  if (stake.value.trim() === '') {
    stake.removeAttribute('aria-invalid');
    output.textContent = 'Potential payout: –';
    return;
  }
  const { minor, reason } = stakeMinor();
  if (minor === null) {
    stake.setAttribute('aria-invalid', 'true');
    output.textContent = reason;
    return;
  }
  stake.removeAttribute('aria-invalid');
  const prices = legs.map((leg) => priceToThousandths(leg.price));
  if (prices.some((p) => p === null)) {
    output.textContent = 'Potential payout: –';
    return;
  }
  output.textContent = `Potential payout: ${money(payout(BigInt(minor), prices).toString())}`;
}

function setPrice(selectionId, price) {
  const found = state.selections.get(selectionId);
  if (!found) return;
  found.selection.price = price;
  const odds = found.button.querySelector('.price-odds');
  if (odds) odds.textContent = price;
}

async function placeBet(submit) {
  submit.preventDefault();
  const legs = [...state.slip.values()];
  if (legs.length === 0) return;
  if (!state.me) {
    notify('Log in to place a bet.', 'error');
    $('login-email').focus();
    return;
  }
  const { minor, reason } = stakeMinor();
  if (minor === null) {
    notify(reason, 'error');
    $('stake').focus();
    return;
  }
  const body = {
    stake: minor,
    legs: legs.map((leg) => ({ selectionId: leg.selectionId, price: leg.price })),
    acceptPriceChanges: $('policy').value,
  };
  const text = JSON.stringify(body);
  // A retry of exactly this bet after a lost answer keeps its key, so it is placed at most once.
  const key = state.pendingBet?.body === text ? state.pendingBet.key : newKey();
  state.pendingBet = { key, body: text };
  const button = $('place-bet');
  try {
    const bet = await busy(button, 'Placing…', () =>
      api('POST', '/api/v1/bets', { body, auth: true, idempotencyKey: key }),
    );
    state.pendingBet = null;
    state.slip.clear();
    $('stake').value = '';
    markPressed();
    notify(
      `Bet placed: ${bet.legs.map((l) => `${l.selectionName} @ ${l.price}`).join(', ')}. ` +
        `Stake ${money(bet.stake, bet.currency)}, ` +
        `potential payout ${money(bet.potentialPayout, bet.currency)}.`,
      'success',
    );
    void refreshAccount();
  } catch (error) {
    const unknownOutcome =
      error instanceof NetworkError ||
      (error instanceof Problem &&
        (error.status >= 500 || error.code === 'idempotency_key_in_progress'));
    if (!unknownOutcome) state.pendingBet = null;
    if (error instanceof NetworkError) {
      notify(
        'We could not reach iBet, so we do not know whether your bet was placed. ' +
          'Press "Place bet" again to retry: the same bet is never placed twice.',
        'error',
      );
    } else if (error instanceof Problem && error.code === 'odds_changed') {
      oddsChanged(error);
    } else {
      report(error);
    }
  } finally {
    renderSlip();
  }
}

/** Puts the current prices from an odds_changed problem on the slip and asks to confirm. */
function oddsChanged(problem) {
  const changes = [];
  for (const change of Array.isArray(problem.body.legs) ? problem.body.legs : []) {
    if (typeof change?.selectionId !== 'string' || priceToThousandths(change.current) === null)
      continue;
    const leg = [...state.slip.values()].find((l) => l.selectionId === change.selectionId);
    if (!leg) continue;
    if (leg.price !== change.current) {
      leg.previousPrice ??= leg.price;
      leg.price = change.current;
      changes.push(`${leg.selectionName} ${leg.previousPrice} → ${leg.price}`);
    }
    setPrice(change.selectionId, change.current);
  }
  renderSlip();
  notify(
    `${problem.message} ${changes.length ? `${changes.join(', ')}. ` : ''}` +
      'Check the new payout and press "Accept new prices and place bet" to confirm.',
    'error',
  );
  $('place-bet').focus();
}

// ---------------------------------------------------------------------------------------
// Account: sign-in, wallet, bets, messages

function renderSession() {
  const loggedIn = state.me !== null;
  $('who').hidden = !loggedIn;
  $('logout').hidden = !loggedIn;
  $('login-jump').hidden = loggedIn;
  $('who').replaceChildren(
    ...(loggedIn
      ? [
          'Signed in as ',
          h('strong', { text: state.me.displayName }),
          h('span', { class: 'muted who-email', text: ` ${state.me.email}` }),
        ]
      : []),
  );
  $('account-heading').textContent = loggedIn ? 'Wallet' : 'Log in';
  $('login-form').hidden = loggedIn;
  $('register').hidden = loggedIn;
  $('wallet').hidden = !loggedIn;
  $('my-bets').hidden = !loggedIn;
  $('inbox').hidden = !loggedIn;
  renderSlip();
}

async function signedIn() {
  state.me = await api('GET', '/api/v1/me', { auth: true });
  renderSession();
  await refreshAccount();
  startRefreshing();
}

function signedOut(message) {
  const wasSignedIn = state.me !== null || currentTokens() !== null;
  tokens.clear();
  stopRefreshing();
  state.me = null;
  state.wallet = null;
  state.bets = [];
  state.betsCursor = null;
  state.messageIds = null;
  state.pendingDeposit = null;
  state.rendered = { wallet: '', bets: '', messages: '' };
  $('wallet-balance').textContent = '–';
  $('wallet-in-bets').textContent = '–';
  $('bets').replaceChildren();
  $('messages').replaceChildren();
  renderSession();
  if (message && wasSignedIn) notify(message, 'info');
}

async function login(submit) {
  submit.preventDefault();
  const form = submit.currentTarget;
  const data = new FormData(form);
  try {
    await busy(form.querySelector('button[type="submit"]'), 'Logging in…', async () => {
      let result;
      if (state.mfaToken) {
        // Second step: the account has an authenticator app.
        result = await api('POST', '/api/v1/auth/login/mfa', {
          body: { mfaToken: state.mfaToken, code: String(data.get('code')).trim() },
        });
      } else {
        result = await api('POST', '/api/v1/auth/login', {
          body: { email: String(data.get('email')).trim(), password: String(data.get('password')) },
        });
      }
      if (result.mfaRequired) {
        state.mfaToken = result.mfaToken;
        $('login-code-field').hidden = false;
        $('login-code').required = true;
        $('login-code').focus();
        return;
      }
      tokens.set(result);
      await signedIn();
    });
    if (!state.me) return;
    state.mfaToken = null;
    $('login-code-field').hidden = true;
    $('login-code').required = false;
    form.reset();
    notify(`Welcome, ${state.me.displayName}.`, 'success');
  } catch (error) {
    // A refused or expired second step starts the sign-in over.
    if (state.mfaToken && error instanceof Problem && error.code === 'mfa_token_invalid') {
      state.mfaToken = null;
      $('login-code-field').hidden = true;
      $('login-code').required = false;
    }
    report(error);
  }
}

async function register(submit) {
  submit.preventDefault();
  const form = submit.currentTarget;
  const data = new FormData(form);
  const email = String(data.get('email')).trim();
  const password = String(data.get('password'));
  if (password.length < 12) {
    notify('Choose a password of at least 12 characters.', 'error');
    $('reg-password').focus();
    return;
  }
  try {
    await busy(form.querySelector('button[type="submit"]'), 'Registering…', async () => {
      await api('POST', '/api/v1/auth/register', {
        body: {
          email,
          password,
          displayName: String(data.get('displayName')).trim(),
          dateOfBirth: String(data.get('dateOfBirth')),
          country: String(data.get('country')).trim().toUpperCase(),
          currency: String(data.get('currency')),
        },
      });
      tokens.set(await api('POST', '/api/v1/auth/login', { body: { email, password } }));
      await signedIn();
    });
    form.reset();
    $('register').open = false;
    notify(`Welcome to iBet, ${state.me.displayName}. Your wallet is open.`, 'success');
  } catch (error) {
    report(error);
  }
}

async function logout() {
  // End the session on the server too, so that the refresh token stops working.
  const refreshToken = currentTokens()?.refreshToken;
  signedOut();
  if (refreshToken) {
    try {
      await send('POST', '/api/v1/auth/logout', { body: { refreshToken } });
    } catch {
      // Offline: the session ends by itself when idle.
    }
  }
  notify('You are logged out.', 'info');
  $('login-email').focus();
}

async function loadWallet() {
  state.wallet = await api('GET', '/api/v1/wallet', { auth: true });
  const text = JSON.stringify(state.wallet);
  if (text === state.rendered.wallet) return;
  state.rendered.wallet = text;
  $('wallet-balance').textContent = money(state.wallet.balance, state.wallet.currency);
  $('wallet-in-bets').textContent = money(state.wallet.inBets, state.wallet.currency);
  renderSlip();
}

async function loadBets({ more = false } = {}) {
  const params = new URLSearchParams();
  if (more && state.betsCursor) {
    params.set('limit', String(BETS_PAGE));
    params.set('cursor', state.betsCursor);
  } else {
    // A refresh re-reads everything on screen (up to the API's page limit) in one call.
    params.set('limit', String(Math.min(100, Math.max(BETS_PAGE, state.bets.length))));
  }
  const page = await api('GET', `/api/v1/bets?${params}`, { auth: true });
  state.bets = more ? [...state.bets, ...page.items] : page.items;
  state.betsCursor = page.nextCursor;
  $('more-bets').hidden = !page.nextCursor;
  const text = JSON.stringify(state.bets);
  if (text === state.rendered.bets) return;
  state.rendered.bets = text;
  $('bets-empty').hidden = state.bets.length > 0;
  $('bets').replaceChildren(...state.bets.map(renderBet));
}

const BET_STATUS = { open: 'Open', won: 'Won', lost: 'Lost', void: 'Void' };

function renderBet(bet) {
  const amount = (minor) => money(minor, bet.currency);
  const rows = [
    ['Stake', amount(bet.stake)],
    ['Potential payout', amount(bet.potentialPayout)],
  ];
  if (bet.payout !== null) rows.push(['Payout', amount(bet.payout)]);
  return h(
    'li',
    { class: `bet bet-${bet.status}` },
    h(
      'p',
      { class: 'bet-head' },
      h('strong', { text: bet.kind === 'multiple' ? `Multiple (${bet.legs.length})` : 'Single' }),
      ' ',
      h('span', {
        class: `badge status-${bet.status}`,
        text: BET_STATUS[bet.status] ?? bet.status,
      }),
      ' ',
      when(bet.placedAt, timeFormat),
    ),
    h(
      'ul',
      { class: 'bet-legs' },
      bet.legs.map((leg) =>
        h(
          'li',
          {},
          h('strong', { text: leg.selectionName }),
          ` @ ${leg.price}`,
          leg.requestedPrice !== leg.price
            ? h('span', { class: 'muted', text: ` (asked ${leg.requestedPrice})` })
            : null,
          ' ',
          h('span', { class: 'muted bet-leg-where', text: `${leg.marketName} · ${leg.eventName}` }),
        ),
      ),
    ),
    h(
      'dl',
      { class: 'bet-amounts' },
      rows.map(([term, value]) =>
        h('div', {}, h('dt', { text: term }), ' ', h('dd', { text: value })),
      ),
    ),
  );
}

async function loadMessages() {
  const page = await api('GET', '/api/v1/notifications?limit=10', { auth: true });
  const items = page.items;
  // Announce what arrived since the last look (a settled bet, a payment), not the backlog.
  if (state.messageIds) {
    const fresh = items.filter((m) => !state.messageIds.has(m.id));
    if (fresh.length > 0) notify(fresh.map((m) => `${m.title}: ${m.body}`).join(' '), 'info');
  }
  state.messageIds = new Set(items.map((m) => m.id));
  const text = JSON.stringify(items);
  if (text === state.rendered.messages) return;
  state.rendered.messages = text;
  $('inbox-empty').hidden = items.length > 0;
  $('messages').replaceChildren(
    ...items.map((m) =>
      h(
        'li',
        { class: 'message' },
        h('p', { class: 'message-head' }, h('strong', { text: m.title }), ' ', when(m.createdAt)),
        h('p', { text: m.body }),
      ),
    ),
  );
}

async function refreshAccount({ quiet = false } = {}) {
  if (!state.me) return;
  if (state.refreshingAccount) {
    // A refresh is under way but may have read before the change that asked for this one.
    state.refreshAgain = true;
    return;
  }
  state.refreshingAccount = true;
  try {
    do {
      state.refreshAgain = false;
      const results = await Promise.allSettled([loadWallet(), loadBets(), loadMessages()]);
      if (!state.me) return; // signed out meanwhile
      const failed = results.find((r) => r.status === 'rejected');
      if (failed && !(quiet && failed.reason instanceof NetworkError)) report(failed.reason);
    } while (state.refreshAgain);
  } finally {
    state.refreshingAccount = false;
  }
}

function startRefreshing() {
  stopRefreshing();
  state.timer = setInterval(() => {
    if (!document.hidden) void refreshAccount({ quiet: true });
  }, REFRESH_MS);
}

function stopRefreshing() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

async function deposit(submit) {
  submit.preventDefault();
  if (!state.wallet) {
    notify('Your wallet is not loaded yet. Try again in a moment.', 'error');
    return;
  }
  const field = $('deposit-amount');
  const minor = parseMajorToMinor(field.value, currencyExponent(state.wallet.currency));
  if (minor === null || minor === '0' || !MAX_AMOUNT.test(minor)) {
    notify(`Enter ${amountHint(state.wallet.currency)}.`, 'error');
    field.focus();
    return;
  }
  const body = { amount: minor };
  const text = JSON.stringify(body);
  const key = state.pendingDeposit?.body === text ? state.pendingDeposit.key : newKey();
  state.pendingDeposit = { key, body: text };
  const button = submit.currentTarget.querySelector('button[type="submit"]');
  try {
    const payment = await busy(button, 'Depositing…', () =>
      api('POST', '/api/v1/wallet/deposits', { body, auth: true, idempotencyKey: key }),
    );
    state.pendingDeposit = null;
    field.value = '';
    const amount = money(payment.amount, payment.currency);
    if (payment.status === 'completed') notify(`Deposited ${amount}.`, 'success');
    else if (payment.status === 'pending') notify(`Your deposit of ${amount} is pending.`, 'info');
    else notify(`The deposit failed: ${payment.failureReason ?? 'no reason given'}.`, 'error');
    void refreshAccount();
  } catch (error) {
    if (!(error instanceof NetworkError || (error instanceof Problem && error.status >= 500)))
      state.pendingDeposit = null;
    if (error instanceof NetworkError) {
      notify(
        'We could not reach iBet, so we do not know whether the deposit went through. ' +
          'Press "Deposit" again with the same amount to retry safely.',
        'error',
      );
    } else {
      report(error);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Wiring

function wire() {
  $('events').addEventListener('click', (click) => {
    const button = click.target instanceof Element ? click.target.closest('button.price') : null;
    if (button && !button.disabled) toggleSelection(button.dataset.selection);
  });
  $('sports').addEventListener('click', (click) => {
    const button = click.target instanceof Element ? click.target.closest('button.chip') : null;
    if (!button) return;
    state.sport = button.dataset.sport || null;
    for (const chip of $('sports').querySelectorAll('button.chip')) {
      chip.setAttribute('aria-pressed', String(chip === button));
    }
    void loadEvents();
  });
  $('more-events').addEventListener('click', (click) => {
    void busy(click.currentTarget, 'Loading…', () => loadEvents({ append: true }));
  });
  $('slip-legs').addEventListener('click', (click) => {
    const button = click.target instanceof Element ? click.target.closest('button.remove') : null;
    if (!button) return;
    state.slip.delete(button.dataset.remove);
    markPressed();
    renderSlip();
    (state.slip.size > 0 ? $('stake') : $('events-heading')).focus();
  });
  $('clear-slip').addEventListener('click', () => {
    state.slip.clear();
    markPressed();
    renderSlip();
  });
  $('stake').addEventListener('input', updatePayout);
  $('slip-form').addEventListener('submit', placeBet);
  $('login-form').addEventListener('submit', login);
  $('register-form').addEventListener('submit', register);
  $('deposit-form').addEventListener('submit', deposit);
  $('logout').addEventListener('click', logout);
  $('dismiss').addEventListener('click', clearNotice);
  $('more-bets').addEventListener('click', (click) => {
    void busy(click.currentTarget, 'Loading…', () => loadBets({ more: true })).catch(report);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refreshAccount({ quiet: true });
  });
}

async function start() {
  wire();
  renderSession();
  await loadSports();
  const restoring = currentTokens()
    ? signedIn().catch((error) => {
        if (!(error instanceof Problem && error.status === 401)) report(error);
      })
    : Promise.resolve();
  await Promise.all([loadEvents(), restoring]);
}

void start();
