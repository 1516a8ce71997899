import { ApiError, api, followEvents, session } from './api.js';
import { clearCharts, lineChart, pipelineLines } from './charts.js';
import { countdown, fill, h, num, table, time, verdict } from './dom.js';
import { sampleRatioCheck } from './stats.js';

const $ = (id) => document.getElementById(id);
const state = { me: null, features: { plan: false }, window: '1h', audit: {}, openEntry: null, stopEvents: null };
const may = (permission) => state.me?.permissions.includes(permission) ?? false;

// ---- sign-in -------------------------------------------------------------------------------------

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  session.set($('token').value.trim());
  $('token').value = '';
  await signIn();
});
$('sign-out').addEventListener('click', () => signOut('Signed out.'));

async function signIn() {
  if (!session.token) return showSignIn('');
  try {
    state.me = await api('GET', '/api/admin/whoami');
  } catch (error) {
    session.clear();
    return showSignIn(error instanceof ApiError && error.status === 401 ? 'That token was not accepted (unknown, revoked or expired).' : `Sign-in failed: ${error.message}`);
  }
  state.features = await fetch('/dashboard/features', { cache: 'no-store' }).then((r) => r.json());
  $('signin').hidden = true;
  $('board').hidden = false;
  $('sign-out').hidden = false;
  renderWho();
  await refresh();
  state.stopEvents = followEvents(
    (name) => {
      if (name === 'change') scheduleRefresh();
    },
    (live) => {
      if (live === 'unauthorized') return signOut('Your token stopped working (expired or revoked): sign in again.');
      $('live').textContent = live === 'live' ? '● live' : '○ reconnecting…';
      if (live === 'live') scheduleRefresh();
    },
  );
}

function signOut(why) {
  state.stopEvents?.();
  state.stopEvents = null;
  session.clear();
  state.me = null;
  clearCharts();
  // Nothing of the last session's data or controls stays in the page for the next one.
  for (const id of ['routing', 'slos', 'alerts', 'plan', 'actions', 'charts', 'markers', 'distribution', 'override-list', 'explain-result', 'audit-body', 'golden-runs', 'feedback-chart', 'comments', 'message']) {
    $(id).replaceChildren();
  }
  delete $('actions').dataset.ready;
  $('board').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  $('live').textContent = 'not connected';
  showSignIn(why);
}

function showSignIn(message) {
  $('signin').hidden = false;
  $('signin-error').textContent = message;
}

function renderWho() {
  const { actor, role, tokenExpiresAt } = state.me;
  const expiry = tokenExpiresAt ? `token expires ${time(tokenExpiresAt)} (${countdown(tokenExpiresAt)})` : 'token never expires';
  fill('who', 'Signed in as ', h('strong', { 'data-testid': 'who-actor' }, actor), ' · role ', h('strong', { 'data-testid': 'who-role' }, role), ` · ${expiry}`);
}

// ---- refresh -------------------------------------------------------------------------------------

let refreshing = null;
let again = false;

/** Re-reads every panel; a change arriving meanwhile schedules one more pass. */
function scheduleRefresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = refresh().finally(() => {
    refreshing = null;
    if (again) {
      again = false;
      scheduleRefresh();
    }
  });
  return refreshing;
}

async function refresh() {
  if (!state.me) return;
  const reads = {
    rollout: api('GET', '/api/admin/rollout'),
    slo: may('slo.read') ? api('GET', '/api/admin/slo') : null,
    series: may('slo.read') ? api('GET', `/api/admin/slo/series?window=${state.window}`) : null,
    distribution: api('GET', '/api/admin/rollout/distribution?since=24h'),
    goldens: api('GET', '/api/admin/goldens?limit=3'),
    feedback: may('slo.read') ? api('GET', '/api/admin/feedback?since=7d&limit=20') : null,
    plan: state.features.plan ? api('GET', '/api/admin/plan') : null,
  };
  const results = {};
  await Promise.all(
    Object.entries(reads).map(async ([key, promise]) => {
      try {
        results[key] = await promise;
      } catch (error) {
        results[key] = { error };
      }
    }),
  );
  const failed = Object.values(results).find((result) => result?.error);
  if (failed?.error instanceof ApiError && failed.error.status === 401) return signOut('Your token stopped working (expired or revoked): sign in again.');
  renderWho();
  guard('routing', () => renderRouting(results.rollout));
  guard('slos', () => renderSlos(results.slo));
  guard('alerts', () => renderAlerts(results.slo));
  guard('plan', () => renderPlan(results.plan));
  guard('actions', () => renderActions(results.rollout));
  guard('charts', () => renderCharts(results.series));
  guard('distribution', () => renderDistribution(results.distribution, results.rollout));
  guard('override-list', () => renderOverrides(results.rollout));
  guard('golden-runs', () => renderGoldens(results.goldens));
  guard('comments', () => renderFeedback(results.feedback, results.series));
  await guardAsync('audit-body', renderAudit);
}

/** A panel whose read failed says so in words instead of breaking the others. */
function guard(id, render) {
  try {
    render();
  } catch (error) {
    fill(id, h('p', { class: 'bad' }, `✘ could not show this panel: ${error.message}`));
  }
}
async function guardAsync(id, render) {
  try {
    await render();
  } catch (error) {
    fill(id, h('p', { class: 'bad' }, `✘ could not show this panel: ${error.message}`));
  }
}
const unwrap = (result) => {
  if (result?.error) throw result.error;
  return result;
};

// ---- Now -----------------------------------------------------------------------------------------

function sourced(name, field) {
  const extra = field.env !== undefined && field.store !== undefined ? ` (env ${field.env ?? 'unset'}, store ${field.store ?? 'unset'})` : '';
  return h('tr', {}, h('th', { scope: 'row' }, name), h('td', { 'data-testid': `routing-${name}` }, String(field.value)), h('td', {}, `${field.source}${extra}`));
}

function renderRouting(result) {
  const { effective } = unwrap(result);
  fill(
    'routing',
    h('h3', {}, 'Routing'),
    h('p', {}, 'AWF percentage: ', h('strong', { 'data-testid': 'percent-value' }, num(effective.percent.value)), ' %'),
    table(['switch', 'value', 'source'], [
      sourced('emergency fallback', effective.emergencyFallback),
      sourced('legacy forced', effective.legacyTurnEnabled),
      sourced('global flag', effective.globalEnabled),
      sourced('percent', effective.percent),
      h('tr', {}, h('th', { scope: 'row' }, 'shadow percent'), h('td', {}, num(effective.shadowPercent)), h('td', {}, 'store')),
    ], 'Routing switches and their sources'),
    h('p', { class: 'note' }, `version ${effective.version}, last changed ${time(effective.updatedAt)} by ${effective.updatedBy ?? '—'}`),
    effective.warnings.map((warning) => h('p', { class: 'warn' }, `⚠ ${warning}`)),
  );
}

const STATE_WORDS = { ok: ['ok', '✔'], warning: ['violated (warning)', '✘'], critical: ['violated (critical)', '✘'], insufficient_data: ['not judged: too few AWF turns', '…'] };

function renderSlos(result) {
  if (!result) return fill('slos', h('h3', {}, 'SLOs'), h('p', { class: 'muted' }, 'Your role cannot read SLO data.'));
  const slo = unwrap(result);
  const rows = slo.slos.map((item) => {
    const [words, symbol] = STATE_WORDS[item.state] ?? [item.state, '?'];
    const cls = item.state === 'ok' ? 'ok' : item.state === 'insufficient_data' ? 'muted' : 'bad';
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, item.title),
      h('td', { class: 'num', 'data-testid': `slo-value-${item.slo}` }, num(item.value)),
      h('td', { class: 'num' }, `${num(item.threshold)} ${item.unit}`),
      h('td', { class: cls, 'data-testid': `slo-state-${item.slo}` }, `${symbol} ${words}`),
      h('td', { class: 'num', 'data-testid': `slo-sample-${item.slo}` }, `${item.sample}`),
    );
  });
  fill(
    'slos',
    h('h3', {}, `SLOs over ${slo.window}`),
    table(['SLO', { label: 'value', num: true }, { label: 'threshold', num: true }, 'state', { label: 'sample (AWF turns)', num: true }], rows, 'SLOs'),
    h('p', { class: 'note' }, `AWF turns ${slo.awf.turns}, legacy turns ${slo.legacy.turns}. ${slo.result}`),
  );
}

function renderAlerts(result) {
  if (!result) return fill('alerts', h('h3', {}, 'Alerts firing'), h('p', { class: 'muted' }, 'Your role cannot read SLO data.'));
  const { alerts, shadowAlerts = [] } = unwrap(result);
  const all = [...alerts, ...shadowAlerts];
  fill(
    'alerts',
    h('h3', {}, 'Alerts firing'),
    all.length === 0
      ? h('p', { class: 'ok', 'data-testid': 'alerts-none' }, '✔ none firing')
      : h('ul', {}, all.map((alert) => h('li', { class: 'bad' }, `✘ ${alert.slo} (${alert.severity}) since ${time(alert.firedAt)}: ${num(alert.firedValue)} vs ${num(alert.threshold)}, n = ${alert.firedSample}`))),
  );
}

const stageName = (percent) => (percent === undefined ? '?' : percent === 'shadow' ? 'shadow' : `${percent} %`);

function renderPlan(result) {
  const el = $('plan');
  // Hidden only where the server has no plan routes; a failed read says so in words (guard).
  if (!state.features.plan || !result) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  const { plan } = unwrap(result);
  if (!plan) {
    return fill('plan', h('h3', {}, 'Staged plan'), h('p', { class: 'muted', 'data-testid': 'plan-none' }, 'No staged plan has been started: the rollout percentage is set by hand (start a plan with awf-plan.ts start).'));
  }
  const stage = plan.stages[plan.currentStage];
  const next = plan.stages[plan.currentStage + 1];
  const active = plan.state === 'running' || plan.state === 'paused';
  const gate = (g) => {
    const symbol = g.status === 'pass' ? '✔' : g.status === 'fail' ? '✘' : g.status === 'hold' ? '…' : '–';
    const cls = g.status === 'pass' ? 'ok' : g.status === 'fail' ? 'bad' : 'muted';
    return h('li', { 'data-testid': 'plan-gate', 'data-gate': g.name, 'data-status': g.status },
      h('span', { class: cls }, `${symbol} ${g.status}`), ' ', h('strong', {}, g.name), `: ${g.summary}`,
      h('details', {}, h('summary', {}, `evidence of ${g.name}`), h('pre', { 'data-testid': 'plan-gate-evidence' }, JSON.stringify(g.evidence, null, 2))));
  };
  // The routes: pause needs a reason, abort takes an optional one, resume and approve take none.
  const planAction = (verb, label, effect, body, cls) =>
    h('button', { type: 'button', class: cls, 'data-testid': `plan-${verb}`, onclick: () => act(effect, () => api('POST', `/api/admin/plan/${verb}`, body)) }, label);
  const at = stageName(stage?.percent);
  const reason = `from the dashboard by ${state.me.actor}`;
  const actions = [];
  if (may('rollout.write') && active) {
    if (plan.state === 'running') actions.push(planAction('pause', 'Pause plan', `Pause the plan at ${at}: the controller stops evaluating it (no advance, no rollback) until it is resumed; AWF stays at ${at}.`, { reason }));
    if (plan.state === 'paused') actions.push(planAction('resume', 'Resume plan', `Resume the plan at ${at}: the bake of this stage starts over now and the controller evaluates its gates again.`, {}));
    if (next?.approval && !plan.approval.approvedBy) actions.push(planAction('approve', `Approve ${stageName(next.percent)}`, `Approve advancing to ${stageName(next.percent)} as ${state.me.actor}: the plan advances once its other gates pass (whoever started the plan cannot approve it).`, {}));
    actions.push(planAction('abort', 'Abort plan', `Abort the plan: it ends at ${at} and nothing evaluates it any more; AWF stays at ${at} until the percentage is changed by hand.`, { reason }, 'danger'));
  }
  fill(
    'plan',
    h('h3', {}, 'Staged plan: ', h('span', { 'data-testid': 'plan-state' }, plan.state)),
    plan.stateReason ? h('p', { class: 'note' }, `Why: ${plan.stateReason}`) : null,
    h('p', { 'data-testid': 'plan-stage' }, `Stage ${plan.currentStage + 1} of ${plan.stages.length}: ${at}, since ${time(plan.stageStartedAt)}`),
    h('p', {}, 'Bake: ', h('progress', { max: plan.bake.requiredMs, value: Math.min(plan.bake.elapsedMs, plan.bake.requiredMs), 'aria-label': 'bake progress' }), h('span', { 'data-testid': 'plan-bake' }, ` ${Math.round(plan.bake.elapsedMs / 1000)} s of ${Math.round(plan.bake.requiredMs / 1000)} s`)),
    h('p', {}, 'Sample: ', h('progress', { max: plan.sample.required || 1, value: Math.min(plan.sample.awfTurns, plan.sample.required || 1), 'aria-label': 'sample progress' }), h('span', { 'data-testid': 'plan-sample' }, ` ${plan.sample.awfTurns} of ${plan.sample.required} AWF turns`)),
    plan.approval.required ? h('p', { 'data-testid': 'plan-approval' }, plan.approval.approvedBy ? `✔ ${stageName(next?.percent)} approved by ${plan.approval.approvedBy}` : `… ${stageName(next?.percent)} awaits a second operator's approval`) : null,
    active ? h('ul', { 'aria-label': 'Plan gates' }, plan.gates.map(gate)) : h('p', { class: 'muted' }, `The plan is ${plan.state}: no gate is evaluated any more.`),
    plan.lastDecision ? h('p', { class: 'note' }, `Last decision: ${plan.lastDecision.action} (${plan.lastDecision.reason}) at ${time(plan.lastDecision.at)}`) : null,
    actions.length ? h('div', { class: 'buttons' }, ...actions) : null,
  );
}

function renderActions(result) {
  const el = $('actions');
  if (!may('rollout.write')) {
    el.hidden = true;
    el.replaceChildren();
    delete el.dataset.ready;
    return;
  }
  el.hidden = false;
  const { effective } = unwrap(result);
  // Keep what the operator is typing across live refreshes; an untouched field follows the live percent.
  if (el.dataset.ready === '1') {
    const field = $('percent-input');
    if (field && document.activeElement !== field && field.value === field.dataset.shown) {
      field.value = String(effective.percent.value);
      field.dataset.shown = field.value;
    }
    $('flag-state').textContent = `Global flag now ${effective.globalEnabled.value ? 'on' : 'off'} (${effective.globalEnabled.source}).`;
    return;
  }
  el.dataset.ready = '1';
  const input = h('input', { id: 'percent-input', type: 'number', min: 0, max: 100, step: 0.01, required: true, value: effective.percent.value });
  input.dataset.shown = input.value;
  fill(
    'actions',
    h('h3', {}, 'Actions'),
    h('form', {
      id: 'percent-form',
      onsubmit: (event) => {
        event.preventDefault();
        const percent = Number(input.value);
        const from = currentPercent();
        act(
          `Set the AWF rollout percentage from ${num(from)} % to ${num(percent)} %: users whose bucket is below ${Math.round(percent * 100)} of 10000 get AWF. Audited as ${state.me.actor}.`,
          () => api('PUT', '/api/admin/rollout/percent', { percent }),
        );
      },
    }, h('label', { for: 'percent-input' }, 'AWF percentage'), input, h('button', { type: 'submit' }, 'Set percent')),
    h('p', { id: 'flag-state' }, `Global flag now ${effective.globalEnabled.value ? 'on' : 'off'} (${effective.globalEnabled.source}).`),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', onclick: () => act(`Turn the stored global flag ON: users in the rollout percentage get AWF (unless a switch or AWF_BUNDLE_ON in a server's environment says otherwise). Audited as ${state.me.actor}.`, () => api('PUT', '/api/admin/rollout/global-flag', { enabled: true })) }, 'Global flag on'),
      h('button', { type: 'button', class: 'danger', onclick: () => act(`Turn the stored global flag OFF: everybody without an override gets legacy — a rollback. Audited as ${state.me.actor}.`, () => api('PUT', '/api/admin/rollout/global-flag', { enabled: false })) }, 'Global flag off')),
  );
}

let lastPercent = null;
const currentPercent = () => lastPercent;

// ---- actions -------------------------------------------------------------------------------------

/** Asks in a dialog that states the effect; on confirm runs `call` and says what happened. */
function act(effect, call) {
  const dialog = $('confirm');
  $('confirm-text').textContent = effect;
  return new Promise((resolve) => {
    let finished = false;
    const done = async (confirmed) => {
      if (finished) return;
      finished = true;
      if (dialog.open) dialog.close();
      if (!confirmed) return resolve(false);
      try {
        await call();
        $('message').textContent = `✔ Done: ${effect}`;
      } catch (error) {
        $('message').textContent = `✘ Refused: ${error.code ?? ''} ${error.message}`;
      }
      await scheduleRefresh();
      resolve(true);
    };
    $('confirm-ok').onclick = () => done(true);
    $('confirm-cancel').onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
    $('confirm-cancel').focus();
  });
}

// ---- Over time -----------------------------------------------------------------------------------

for (const button of document.querySelectorAll('#windows button')) {
  button.addEventListener('click', () => {
    state.window = button.dataset.window;
    for (const other of document.querySelectorAll('#windows button')) other.setAttribute('aria-pressed', String(other === button));
    scheduleRefresh();
  });
}

function renderCharts(result) {
  clearCharts();
  if (!result) {
    fill('charts', h('p', { class: 'muted' }, 'Your role cannot read SLO data.'));
    fill('markers');
    return;
  }
  const series = unwrap(result);
  const container = fill('charts');
  const markers = [
    ...series.changes.map((c) => ({ t: Date.parse(c.at) / 1000, kind: 'change', text: `${time(c.at)} — ${c.action} ${c.entity} by ${c.actor}` })),
    ...series.alerts.map((a) => ({ t: Date.parse(a.at) / 1000, kind: 'alert', text: `${time(a.at)} — alert ${a.kind}: ${a.slo} (${a.severity})` })),
  ].sort((a, b) => a.t - b.t);
  const { pipelines, times, thresholds } = series;
  const step = series.stepMinutes === 1 ? 'per minute' : `per ${series.stepMinutes} minutes`;
  lineChart(container, { title: `p95 latency (${step})`, unit: 'ms', times, lines: pipelineLines(pipelines, 'latencyP95Ms'), threshold: thresholds.latencyP95Ms, markers });
  lineChart(container, { title: `invalid retry rate (${step})`, unit: '%', times, lines: pipelineLines(pipelines, 'retryRatePct'), threshold: thresholds.retryRatePct, markers });
  lineChart(container, { title: `fallback rate (${step})`, unit: '%', times, lines: pipelineLines(pipelines, 'fallbackRatePct'), threshold: thresholds.fallbackRatePct, markers });
  lineChart(container, { title: `turns (${step})`, unit: 'turns', times, lines: pipelineLines(pipelines, 'turns'), markers });
  lineChart(container, { title: 'average bundle size per turn', unit: 'bytes', times, lines: pipelineLines(pipelines, 'avgBundleBytes').filter((l) => l.key !== 'legacy'), markers });
  lineChart(container, {
    title: 'average tokens per turn (in / out)',
    unit: 'tokens',
    times,
    lines: [
      { key: 'awf', label: 'AWF in', values: pipelines.awf.avgTokensIn },
      { key: 'out', label: 'AWF out', values: pipelines.awf.avgTokensOut },
      { key: 'legacy', label: 'legacy in', values: pipelines.legacy.avgTokensIn },
      { key: 'awf_shadow', label: 'legacy out', values: pipelines.legacy.avgTokensOut },
    ],
    markers,
  });
  fill('markers', markers.length === 0 ? h('li', { class: 'muted' }, 'No rollout change or alert in this window.') : markers.map((m) => h('li', {}, m.kind === 'alert' ? '▲ ' : '◆ ', m.text)));
}

// ---- Distribution --------------------------------------------------------------------------------

function renderDistribution(result, rolloutResult) {
  const dist = unwrap(result);
  const { effective } = unwrap(rolloutResult);
  lastPercent = effective.percent.value;
  const pct = (value) => (value === null ? '—' : `${num(value)} %`);
  const users = dist.histogram.reduce((sum, bin) => sum + bin.users, 0);
  const awfUsers = dist.histogram.reduce((sum, bin) => sum + bin.awfUsers, 0);
  const srm = sampleRatioCheck(awfUsers, users, effective.percent.value);
  const srmText =
    srm.state === 'insufficient'
      ? h('span', { class: 'muted' }, `… not judged: ${srm.n} users (needs ≥ 20, and ≥ 5 expected on each side)`)
      : verdict(
          srm.state === 'ok',
          `no sample-ratio mismatch: ${srm.awf} of ${srm.n} users on AWF (${num(srm.observedPct)} %, 95 % CI ${num(srm.ci95.low)}–${num(srm.ci95.high)} %) vs ${num(srm.expectedPct)} % expected; always-valid p = ${srm.p.toPrecision(2)}`,
          `sample-ratio mismatch: ${srm.awf} of ${srm.n} users on AWF (${num(srm.observedPct)} %, 95 % CI ${num(srm.ci95.low)}–${num(srm.ci95.high)} %) vs ${num(srm.expectedPct)} % expected; always-valid p = ${srm.p.toPrecision(2)} < 0.001`,
        );
  const maxUsers = Math.max(1, ...dist.histogram.map((bin) => bin.users));
  const bar = (value, cls) => {
    const div = h('div', { class: `bar ${cls}` });
    div.style.width = `${(value / maxUsers) * 100}%`;
    return div;
  };
  fill(
    'distribution',
    table(['', { label: 'AWF share', num: true }, { label: 'AWF / legacy turns', num: true }, { label: 'users', num: true }], [
      h('tr', {}, h('th', { scope: 'row' }, 'target (percent)'), h('td', { class: 'num', 'data-testid': 'dist-target' }, pct(dist.percent)), h('td', { class: 'num' }, '—'), h('td', { class: 'num' }, '—')),
      h('tr', {}, h('th', { scope: 'row' }, 'routed'), h('td', { class: 'num', 'data-testid': 'dist-routed' }, pct(dist.routed.turns.awfPct)), h('td', { class: 'num', 'data-testid': 'dist-routed-turns' }, `${dist.routed.turns.awf} / ${dist.routed.turns.legacy}`), h('td', { class: 'num' }, `${dist.routed.users.total}`)),
      h('tr', {}, h('th', { scope: 'row' }, 'answered'), h('td', { class: 'num', 'data-testid': 'dist-answered' }, pct(dist.answered.turns.awfPct)), h('td', { class: 'num', 'data-testid': 'dist-answered-turns' }, `${dist.answered.turns.awf} / ${dist.answered.turns.legacy}`), h('td', { class: 'num' }, `${dist.answered.users.total}`)),
    ], 'Target, routed and answered'),
    h('p', { class: 'note' }, `Since ${time(dist.since)}; fallbacks ${dist.answered.fallbacks}. Routing reasons: ${Object.entries(dist.routed.byReason).map(([reason, c]) => `${reason} ${c.awf} AWF / ${c.legacy} legacy`).join(', ') || 'none'}.`),
    h('p', { 'data-testid': 'srm' }, 'Sample-ratio check: ', srmText),
    h('h3', {}, 'Users per bucket range'),
    table(['buckets', 'expected', { label: 'users', num: true }, { label: 'on AWF', num: true }, 'users (bar)'],
      dist.histogram.map((bin) => h('tr', {}, h('td', {}, `${bin.fromBucket}–${bin.toBucket - 1}`), h('td', {}, bin.expected), h('td', { class: 'num' }, `${bin.users}`), h('td', { class: 'num' }, `${bin.awfUsers}`), h('td', {}, bar(bin.users, bin.expected === 'awf' ? '' : 'legacy')))), 'Users per bucket range'),
    dist.histogramTruncated ? h('p', { class: 'warn' }, '⚠ histogram truncated to the first 100 000 users') : null,
  );
}

// ---- Overrides and explain -----------------------------------------------------------------------

function renderOverrides(result) {
  const { overrides } = unwrap(result);
  const writer = may('rollout.write');
  if (overrides.length === 0) return fill('override-list', h('p', { class: 'muted', 'data-testid': 'overrides-none' }, 'No overrides.'));
  fill(
    'override-list',
    table(['kind', 'subject', 'pipeline', 'state', 'expires', 'reason', 'by', writer ? 'action' : null].filter(Boolean),
      overrides.map((o) => h('tr', { 'data-testid': 'override-row' },
        h('td', {}, o.kind), h('td', {}, o.subjectId), h('td', {}, o.pipeline),
        h('td', {}, o.state === 'active' ? '✔ active' : '✘ expired'),
        h('td', o.expiresAt ? { 'data-expires': o.expiresAt } : {}, o.expiresAt ? countdown(o.expiresAt) : 'never'),
        h('td', { 'data-testid': 'override-reason' }, o.reason ?? '—'),
        h('td', {}, o.createdBy),
        writer ? h('td', {}, h('button', { type: 'button', 'aria-label': `Clear the ${o.kind} override of ${o.subjectId}`, onclick: () => act(`Clear the ${o.kind} override of ${o.subjectId} (${o.pipeline}): it is then routed by the flag and percentage again. Audited as ${state.me.actor}.`, () => api('DELETE', `/api/admin/overrides/${o.kind}/${encodeURIComponent(o.subjectId)}`)) }, 'Clear')) : null,
      )), 'Overrides'),
  );
}

setInterval(() => {
  for (const cell of document.querySelectorAll('[data-expires]')) cell.textContent = countdown(cell.dataset.expires);
}, 1000);

$('explain-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const kind = $('explain-kind').value;
  const id = $('explain-id').value.trim();
  try {
    const x = await api('GET', `/api/admin/rollout/explain?${kind}=${encodeURIComponent(id)}`);
    fill(
      'explain-result',
      h('p', {}, 'Pipeline ', h('strong', { 'data-testid': 'explain-pipeline' }, x.pipeline), ' because ', h('strong', { 'data-testid': 'explain-reason' }, x.reason)),
      h('p', {}, `Bucket ${x.bucket.value} of 10000 (key ${x.bucket.key}); AWF below ${x.threshold}: ${x.inRollout ? '✔ in the rollout' : '✘ outside the rollout'}.`),
      h('p', {}, `Overrides: user ${x.overrides.user ? `${x.overrides.user.pipeline} (${x.overrides.user.state})` : 'none'}, session ${x.overrides.session ? `${x.overrides.session.pipeline} (${x.overrides.session.state})` : 'none'}.`),
      x.warnings.map((w) => h('p', { class: 'warn' }, `⚠ ${w}`)),
    );
  } catch (error) {
    fill('explain-result', h('p', { class: 'bad' }, `✘ ${error.code ?? ''} ${error.message}`));
  }
});

// ---- Audit ---------------------------------------------------------------------------------------

async function renderAudit() {
  const body = $('audit-body');
  if (!may('audit.read')) return fill('audit-body', h('p', { class: 'muted' }, `Your role (${state.me.role}) cannot read the audit log.`));
  if (!$('audit-filters')) {
    const field = (name, label, placeholder) => [h('label', { for: `audit-${name}` }, label), h('input', { id: `audit-${name}`, name, placeholder, maxlength: 200, autocomplete: 'off' })];
    body.replaceChildren(
      h('form', {
        id: 'audit-filters',
        onsubmit: (event) => {
          event.preventDefault();
          state.audit = Object.fromEntries(['actor', 'action', 'entity', 'since'].map((n) => [n, $(`audit-${n}`).value.trim()]).filter(([, v]) => v));
          scheduleRefresh();
        },
      }, field('actor', 'Actor', 'ops-1'), field('action', 'Action', 'rollout.*'), field('entity', 'Entity', 'user:*'), field('since', 'Since', '24h'), h('button', { type: 'submit' }, 'Filter')),
      h('p', { id: 'audit-verify' }),
      h('p', { id: 'audit-checkpoint', class: 'note' }),
      h('div', { class: 'grid' }, h('ul', { id: 'audit-feed', class: 'feed', 'aria-label': 'Audit entries, newest first' }), h('pre', { id: 'audit-detail', 'aria-live': 'polite' }, 'Select an entry to see its details.')),
    );
  }
  const query = new URLSearchParams({ ...state.audit, limit: '50' });
  const [entries, check, checkpoints] = await Promise.all([
    api('GET', `/api/admin/audit?${query}`),
    api('GET', '/api/admin/audit/verify'),
    api('GET', '/api/admin/audit/checkpoints'),
  ]);
  fill('audit-verify', verdict(check.ok, `chain verified: ${check.entries} entries, head #${check.head?.seq ?? 0}`, `chain broken at #${check.firstBad?.seq} (${check.firstBad?.reason ?? 'unknown'})`));
  const last = checkpoints.at(-1);
  fill('audit-checkpoint', last ? `Last checkpoint: #${last.seq} at ${time(last.createdAt)} by ${last.createdBy}, ${last.signature ? 'signed' : 'unsigned'}` : 'No checkpoint recorded yet.');
  fill(
    'audit-feed',
    entries.length === 0
      ? h('li', { class: 'muted' }, 'No entry matches.')
      : entries.map((entry) =>
          h('li', {}, h('button', {
            type: 'button',
            'data-testid': 'audit-entry',
            'aria-expanded': String(state.openEntry === entry.seq),
            onclick: (event) => {
              state.openEntry = entry.seq;
              for (const b of document.querySelectorAll('#audit-feed button')) b.setAttribute('aria-expanded', String(b === event.currentTarget));
              $('audit-detail').textContent = JSON.stringify(entry, null, 2);
            },
          }, `#${entry.seq} ${time(entry.createdAt)} · ${entry.actor} · ${entry.action} · ${entry.entity}`)),
        ),
  );
}

// ---- Goldens and feedback ------------------------------------------------------------------------

function renderGoldens(result) {
  const runs = unwrap(result);
  if (runs.length === 0) return fill('golden-runs', h('p', { class: 'muted' }, 'No golden run stored yet (npm run awf:golden:test stores one).'));
  fill(
    'golden-runs',
    runs.map((run) =>
      h('div', { class: 'card' },
        h('h3', {}, `${run.mode} run ${time(run.startedAt)} · ${run.model.provider}/${run.model.name} · `, verdict(run.failed === 0, `${run.passed} passed`, `${run.failed} failed, ${run.passed} passed`)),
        table(['scenario', 'pipeline', 'result', { label: 'turns', num: true }, 'details'],
          run.results.map((r) => {
            const detail = h('pre', { hidden: true }, r.diff ?? r.failure ?? '');
            return h('tr', {},
              h('td', {}, r.scenario), h('td', {}, r.pipeline),
              h('td', {}, r.status === 'failed' ? h('span', { class: 'bad' }, '✘ failed') : h('span', { class: 'ok' }, `✔ ${r.status}`)),
              h('td', { class: 'num' }, `${r.turns}`),
              h('td', {}, r.status === 'failed'
                ? [h('button', { type: 'button', 'aria-expanded': 'false', onclick: (event) => {
                    detail.hidden = !detail.hidden;
                    event.currentTarget.setAttribute('aria-expanded', String(!detail.hidden));
                  } }, r.diff ? 'Show diff' : 'Show failure'), detail]
                : '—'));
          }), 'Scenarios of this run'),
      )),
  );
}

function renderFeedback(result, seriesResult) {
  const chartBox = fill('feedback-chart');
  if (!result) {
    fill('comments', h('li', { class: 'muted' }, 'Your role cannot read feedback.'));
    return;
  }
  const ratings = unwrap(result);
  if (seriesResult && !seriesResult.error) {
    const s = seriesResult;
    lineChart(chartBox, { title: 'down-rate per answered turn', unit: '%', times: s.times, lines: pipelineLines(s.pipelines, 'downRatePct').filter((l) => l.key !== 'awf_shadow'), markers: [] });
  }
  const comments = ratings.filter((r) => r.comment);
  fill(
    'comments',
    comments.length === 0
      ? h('li', { class: 'muted' }, 'No comment in the last 7 days.')
      : comments.map((r) => h('li', { 'data-testid': 'comment' }, r.rating === 'up' ? '▲ up' : '▼ down', ` · ${r.pipeline} · ${r.reason ?? 'no reason'} · ${time(r.updatedAt)}: `, h('q', {}, r.comment))),
  );
}

signIn();
