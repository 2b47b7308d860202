import { StrictMode, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import type uPlot from 'uplot';
import type { DashboardTenantsQuery, DecisionOutcome, HealthWindow, LiveDecisionFragment } from '../__generated__/graphql';
import { Chart } from './chart';
import { GraphError, request } from './graph';
import { followDecisions, type LiveStatus } from './live';
import { healthQuery, recentDecisionsQuery, statsQuery, tenantsQuery } from './operations';
import { OUTCOMES, RANGES, outcomeColumns, qualityColumns, rangeWindow, type RangeKey } from './series';
import { usePolled } from './use-polled';
import './page.css';

// sessionStorage, not localStorage, and never the URL: the key is gone when
// the browser session ends, and never lands in history, logs or a Referer.
const KEY_STORAGE = 'micro-ai-graph.api-key';
const LIVE_LIMIT = 50;
const REFRESH_MS = 60_000;

const OUTCOME_COLOURS: Record<DecisionOutcome, string> = { APPROVE: '#16a34a', DECLINE: '#dc2626', REVIEW: '#d97706', CHALLENGE: '#2563eb' };
const P95_COLOUR = '#7c3aed';

type Tenant = NonNullable<DashboardTenantsQuery['tenants']>[number];

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = (share: number | null | undefined, digits = 1) => (share == null ? '–' : `${(share * 100).toFixed(digits)} %`);
const ms = (value: number | null | undefined) => (value == null ? '–' : `${integer.format(value)} ms`);
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function KeyForm({ error, onKey }: { error: string | null; onKey(key: string): void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onKey(value.trim());
  };
  return (
    <form className="key-form" onSubmit={submit}>
      <h1>Micro AI · tenant dashboard</h1>
      {error && (
        <p className="error" role="alert" data-testid="key-error">
          {error}
        </p>
      )}
      <label htmlFor="api-key">API key (read scope)</label>
      <input id="api-key" name="api-key" type="password" autoComplete="off" autoFocus placeholder="mai_test_…" value={value} onChange={(e) => setValue(e.target.value)} />
      <p>Sent as <code>X-API-Key</code> to this gateway only; kept in this tab until the browser session ends.</p>
      <button type="submit">Open dashboard</button>
    </form>
  );
}

function App() {
  const [apiKey, setApiKey] = useState(() => sessionStorage.getItem(KEY_STORAGE));
  const [keyError, setKeyError] = useState<string | null>(null);
  const forget = (why: string | null) => {
    sessionStorage.removeItem(KEY_STORAGE);
    setApiKey(null);
    setKeyError(why);
  };
  if (!apiKey) {
    return (
      <KeyForm
        error={keyError}
        onKey={(key) => {
          sessionStorage.setItem(KEY_STORAGE, key);
          setKeyError(null);
          setApiKey(key);
        }}
      />
    );
  }
  return <Dashboard key={apiKey} apiKey={apiKey} onRefused={(why) => forget(why)} onForget={() => forget(null)} />;
}

function Dashboard({ apiKey, onRefused, onForget }: { apiKey: string; onRefused(why: string): void; onForget(): void }) {
  const tenants = usePolled((signal) => request(tenantsQuery, {}, apiKey, signal).then((d) => d.tenants ?? []), [apiKey], REFRESH_MS);
  const [chosen, setChosen] = useState<string | null>(null);
  const [range, setRange] = useState<RangeKey>('24h');

  const refused = tenants.error?.badKey ? tenants.error.message : null;
  useEffect(() => {
    if (refused) onRefused(refused);
  }, [refused, onRefused]);

  const list = tenants.data ?? [];
  const tenant = list.find((t) => t.id === chosen) ?? list[0] ?? null;

  return (
    <div className="dashboard">
      <header>
        <div className="title">
          <h1>{tenant ? tenant.name : 'Tenant dashboard'}</h1>
          {tenant && (
            <span className="muted" data-testid="tenant-slug">
              {tenant.slug} · {tenant.plan} · {tenant.status}
            </span>
          )}
        </div>
        <div className="controls">
          {list.length > 1 && (
            // The platform operator's key sees every tenant: it picks the one to watch.
            <select aria-label="Tenant" value={tenant?.id ?? ''} onChange={(e) => setChosen(e.target.value)}>
              {list.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.slug}
                </option>
              ))}
            </select>
          )}
          <div className="range" role="group" aria-label="Range">
            {(Object.keys(RANGES) as RangeKey[]).map((key) => (
              <button key={key} type="button" aria-pressed={key === range} onClick={() => setRange(key)}>
                {RANGES[key].label}
              </button>
            ))}
          </div>
          <button type="button" className="forget" onClick={onForget}>
            Forget key
          </button>
        </div>
      </header>
      {tenants.error && !refused && <Problem error={tenants.error} />}
      {tenants.loading && !tenants.data && <p className="muted">Loading…</p>}
      {tenants.data && !tenant && <p className="error" role="alert">This key sees no tenant.</p>}
      {tenant && <TenantView key={tenant.id} apiKey={apiKey} tenant={tenant} range={range} />}
    </div>
  );
}

function Problem({ error }: { error: GraphError }) {
  return (
    <p className="error" role="alert">
      {error.message}
      {error.code && <span className="muted"> ({error.code})</span>}
    </p>
  );
}

function TenantView({ apiKey, tenant, range }: { apiKey: string; tenant: Tenant; range: RangeKey }) {
  return (
    <main className="grid">
      <Stats apiKey={apiKey} tenantId={tenant.id} range={range} />
      <Usage tenant={tenant} />
      <Health apiKey={apiKey} tenantId={tenant.id} />
      <Live apiKey={apiKey} tenantId={tenant.id} />
    </main>
  );
}

const hourTick = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayTick = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** Time ticks in the reader's locale (uPlot's own are American): hours over a day or two, with the date at midnight; dates beyond. */
const timeAxis: uPlot.Axis = {
  values: (u, splits) => {
    const days = ((u.scales.x!.max ?? 0) - (u.scales.x!.min ?? 0)) / 86_400;
    return splits.map((s) => {
      const at = new Date(s * 1000);
      return days > 2 || (at.getHours() === 0 && at.getMinutes() === 0) ? dayTick.format(at) : hourTick.format(at);
    });
  },
};
const legendTime = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const timeSeries: uPlot.Series = { label: 'hour', value: (_u, v) => (v == null ? '–' : legendTime.format(new Date(v * 1000))) };

function outcomeChartOptions(): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] } },
    series: [timeSeries, ...OUTCOMES.map((o) => ({ label: o.toLowerCase(), stroke: OUTCOME_COLOURS[o], width: 2, points: { show: false } }))],
    axes: [timeAxis, { size: 48, values: (_u, vals) => vals.map((v) => integer.format(v)) }],
  };
}

function qualityChartOptions(): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    scales: { x: { time: true }, pct: { range: [0, 100] }, ms: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [
      timeSeries,
      { label: 'approval', scale: 'pct', stroke: OUTCOME_COLOURS.APPROVE, width: 2, points: { show: false }, value: (_u, v) => (v == null ? '–' : `${v.toFixed(1)} %`) },
      { label: 'p95', scale: 'ms', stroke: P95_COLOUR, width: 2, points: { show: false }, value: (_u, v) => ms(v) },
    ],
    axes: [timeAxis, { scale: 'pct', size: 48, values: (_u, vals) => vals.map((v) => `${v}%`) }, { scale: 'ms', side: 1, size: 56, grid: { show: false }, values: (_u, vals) => vals.map((v) => `${integer.format(v)}ms`) }],
  };
}

function Stats({ apiKey, tenantId, range }: { apiKey: string; tenantId: string; range: RangeKey }) {
  // Falls back to UTC once if the database does not know the browser's zone name.
  const zone = useRef(browserZone());
  const stats = usePolled(
    async (signal) => {
      const span = rangeWindow(range);
      const ask = () => request(statsQuery, { ...span, timezone: zone.current, tenantId }, apiKey, signal);
      const answer = await ask().catch((err: unknown) => {
        if (!(err instanceof GraphError && err.argument === 'timezone' && zone.current !== 'UTC')) throw err;
        zone.current = 'UTC';
        return ask();
      });
      return { span, stats: answer.decisionStats };
    },
    [apiKey, tenantId, range],
    REFRESH_MS,
  );
  const outcomeOptions = useMemo(outcomeChartOptions, []);
  const qualityOptions = useMemo(qualityChartOptions, []);
  const report = stats.data?.stats ?? null;
  const outcomes = useMemo(() => (report ? outcomeColumns(report) : null), [report]);
  const quality = useMemo(() => (report ? qualityColumns(report) : null), [report]);
  const totals = report?.totals;
  const approve = totals?.outcomes.find((o) => o.outcome === 'APPROVE');

  return (
    <>
      <section className="panel wide" aria-labelledby="stats-title" data-testid="stats" data-from={stats.data?.span.from} data-to={stats.data?.span.to} data-timezone={zone.current}>
        <h2 id="stats-title">Last {RANGES[range].label}</h2>
        {stats.error && <Problem error={stats.error} />}
        <dl className="tiles">
          <div>
            <dt>Decisions</dt>
            <dd data-testid="total-count">{totals ? integer.format(totals.count) : '…'}</dd>
          </div>
          <div>
            <dt>Approval rate</dt>
            <dd data-testid="approval-rate">{totals ? percent(approve?.rate) : '…'}</dd>
          </div>
          <div>
            <dt>Latency p95</dt>
            <dd data-testid="latency-p95">{totals ? ms(totals.latencyMs.p95 == null ? null : Math.round(totals.latencyMs.p95)) : '…'}</dd>
          </div>
          {OUTCOMES.filter((o) => o !== 'APPROVE').map((o) => (
            <div key={o}>
              <dt>{o.toLowerCase()}</dt>
              <dd data-testid={`count-${o}`}>{totals ? integer.format(totals.outcomes.find((x) => x.outcome === o)?.count ?? 0) : '…'}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="panel" aria-labelledby="outcomes-title">
        <h2 id="outcomes-title">Decisions per hour by outcome</h2>
        {outcomes ? <Chart options={outcomeOptions} data={outcomes} label="Decisions per hour by outcome" testId="chart-outcomes" /> : <p className="muted">Loading…</p>}
      </section>
      <section className="panel" aria-labelledby="quality-title">
        <h2 id="quality-title">Approval rate and p95 latency per hour</h2>
        {quality ? <Chart options={qualityOptions} data={quality} label="Approval rate and p95 latency per hour" testId="chart-quality" /> : <p className="muted">Loading…</p>}
      </section>
    </>
  );
}

function Usage({ tenant }: { tenant: Tenant }) {
  const usage = tenant.usage;
  return (
    <section className="panel" aria-labelledby="usage-title" data-testid="usage">
      <h2 id="usage-title">Usage this month</h2>
      {!usage ? (
        <p className="muted">Usage is not available for this key.</p>
      ) : (
        <>
          <p className="usage-figures">
            <strong data-testid="usage-used">{integer.format(usage.used)}</strong> of <span data-testid="usage-quota">{integer.format(usage.quota)}</span> decisions
            <span className="muted" data-testid="usage-percent">
              {' '}
              ({usage.percentUsed == null ? '–' : `${usage.percentUsed.toFixed(1)} %`})
            </span>
          </p>
          <meter min={0} max={Math.max(usage.quota, 1)} value={usage.used} low={usage.quota * 0.8} high={usage.quota * 0.95} optimum={0} aria-label="Quota used" />
          <p className="muted">
            {integer.format(usage.remaining)} left until {dateTime.format(new Date(usage.periodEnd))}.{' '}
            {usage.projectedAtPeriodEnd == null ? (
              'Too early in the month to project.'
            ) : (
              <span className={usage.projectedOverQuota ? 'warn' : undefined} data-testid="usage-projection">
                At this pace: {integer.format(usage.projectedAtPeriodEnd)} by the end of the month{usage.projectedOverQuota ? ', over the quota' : ''}.
              </span>
            )}
          </p>
        </>
      )}
    </section>
  );
}

const SIGNALS: Record<string, string> = { LATENCY_P95: 'p95 latency', DECLINE_RATE: 'decline rate' };

function Health({ apiKey, tenantId }: { apiKey: string; tenantId: string }) {
  const [healthWindow, setHealthWindow] = useState<HealthWindow>('LAST_HOUR');
  const health = usePolled((signal) => request(healthQuery, { tenantId, window: healthWindow }, apiKey, signal).then((d) => d.featureHealth), [apiKey, tenantId, healthWindow], REFRESH_MS);
  const degraded = health.data?.filter((f) => f.degraded) ?? [];
  return (
    <section className="panel" aria-labelledby="health-title" data-testid="health">
      <div className="panel-head">
        <h2 id="health-title">Degraded features</h2>
        <select aria-label="Health window" value={healthWindow} onChange={(e) => setHealthWindow(e.target.value as HealthWindow)}>
          <option value="LAST_HOUR">last hour</option>
          <option value="LAST_DAY">last 24 h</option>
        </select>
      </div>
      {health.error && <Problem error={health.error} />}
      {!health.data ? (
        <p className="muted">Loading…</p>
      ) : degraded.length === 0 ? (
        <p data-testid="health-none">
          None of {health.data.length} feature{health.data.length === 1 ? '' : 's'} is degraded against its 30-day baseline.
        </p>
      ) : (
        <ul className="degraded">
          {degraded.map((f) => (
            <li key={f.feature} data-feature={f.feature}>
              <strong>{f.feature}</strong> <span className="badge warn">{f.degradedBy.map((s) => SIGNALS[s] ?? s).join(', ')}</span>
              <span className="muted">
                p95 {ms(f.window.latencyP95Ms)} (baseline {ms(f.baseline.latencyP95Ms)}) · declines {percent(f.window.declineRate, 0)} (baseline {percent(f.baseline.declineRate, 0)}) · {integer.format(f.window.count)} decisions
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function statusText(status: LiveStatus): string {
  switch (status.state) {
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return 'Live';
    case 'reconnecting':
      return `Stream dropped (${status.why}); reconnecting in ${Math.ceil(status.inMs / 1000)} s, resuming where it stopped`;
    case 'stopped':
      return `Stream stopped: ${status.why}`;
  }
}

function Live({ apiKey, tenantId }: { apiKey: string; tenantId: string }) {
  const [decisions, setDecisions] = useState<LiveDecisionFragment[]>([]);
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const [error, setError] = useState<GraphError | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    let stop = () => {};
    const add = (incoming: LiveDecisionFragment[]) =>
      setDecisions((shown) => {
        const seen = new Set(incoming.map((d) => d.id));
        return [...incoming, ...shown.filter((d) => !seen.has(d.id))].slice(0, LIVE_LIMIT);
      });
    request(recentDecisionsQuery, { tenantId, first: LIVE_LIMIT }, apiKey, controller.signal).then(
      (data) => {
        const recent = data.decisions?.edges.map((e) => e.node) ?? [];
        add(recent);
        // Resume after the newest decision that has a place in the stream
        // (seeded ones have none), so nothing committed after the query is
        // missed; any repeat is dropped by id.
        const after = recent.find((d) => d.streamCursor)?.streamCursor ?? null;
        stop = followDecisions({ apiKey, tenantId, after, onDecision: (d) => add([d]), onStatus: setStatus });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof GraphError ? err : new GraphError(String(err), undefined, undefined, 0));
        setStatus({ state: 'stopped', why: 'the latest decisions could not be read' });
      },
    );
    return () => {
      controller.abort();
      stop();
    };
  }, [apiKey, tenantId]);

  return (
    <section className="panel wide" aria-labelledby="live-title" data-testid="live">
      <div className="panel-head">
        <h2 id="live-title">Latest decisions</h2>
        <span className={`status ${status.state}`} role="status" data-testid="live-status" data-state={status.state}>
          {statusText(status)}
        </span>
      </div>
      {error && <Problem error={error} />}
      {decisions.length === 0 ? (
        <p className="muted">No decisions yet.</p>
      ) : (
        <ol className="live-list">
          {decisions.map((d) => (
            <li key={d.id} data-id={d.id}>
              <time dateTime={d.createdAt}>{(Date.now() - Date.parse(d.createdAt) < 86_400_000 ? time : dateTime).format(new Date(d.createdAt))}</time>
              <span className={`badge ${d.outcome.toLowerCase()}`}>{d.outcome.toLowerCase()}</span>
              <span className="feature">{d.feature}</span>
              <span className="subject muted">
                {d.subject.type} {d.subject.reference}
              </span>
              <span className="numbers muted">
                {ms(d.latencyMs)} · {d.confidence.toFixed(2)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
