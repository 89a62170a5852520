import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';
import type { QueryKind, QueryObserver } from '../db/instrumented.ts';
import { routeLabel } from './route-label.ts';

/**
 * The process's Prometheus metrics (docs/operations.md). One registry per server, so that tests
 * running several servers in one process each see their own counts.
 */
export class Metrics implements QueryObserver {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: this.registers,
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: this.registers,
  });
  readonly dbQueryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Time of one database statement: transaction = request work as the runtime role, owner = background and registry work',
    labelNames: ['kind'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15],
    registers: this.registers,
  });
  readonly statementTimeouts = new Counter({
    name: 'db_statement_timeouts_total',
    help: 'Statements cancelled by statement_timeout (SQLSTATE 57014); a request answers 504',
    labelNames: ['kind'] as const,
    registers: this.registers,
  });
  readonly rateLimited = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused with 429 by a per-minute limit',
    labelNames: ['limit'] as const,
    registers: this.registers,
  });
  readonly fairShareRefused = new Counter({
    name: 'fair_share_refusals_total',
    help: 'FHIR requests refused with 429 after waiting too long for their token or tenant share of the connections',
    registers: this.registers,
  });
  readonly jobsProcessed = new Counter({
    name: 'queue_jobs_processed',
    help: 'Job attempts finished by this process (rest-hook deliveries and queue jobs), by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    registers: this.registers,
  });
  private readonly pool = new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections per pool: total open, idle, and callers waiting for one',
    labelNames: ['pool', 'state'] as const,
    registers: this.registers,
  });
  private readonly auditPending = new Gauge({
    name: 'audit_unsealed_events',
    help: 'Audit events committed but not yet chained by the sealer (whole database)',
    registers: this.registers,
  });
  private readonly auditLag = new Gauge({
    name: 'audit_seal_lag_seconds',
    help: 'Age of the oldest audit event not yet sealed; 0 when none waits (whole database)',
    registers: this.registers,
  });
  private readonly outbox = new Gauge({
    name: 'events_outbox_pending',
    help: 'Committed changes not yet turned into notifications (resource_event rows, whole database)',
    registers: this.registers,
  });
  private readonly outboxLag = new Gauge({
    name: 'events_outbox_lag_seconds',
    help: 'Age of the oldest change waiting in the events outbox; 0 when none waits',
    registers: this.registers,
  });
  private readonly deliveriesPending = new Gauge({
    name: 'subscription_deliveries_pending',
    help: 'Rest-hook notifications waiting to be sent or retried (whole database)',
    registers: this.registers,
  });
  private readonly sessions = new Gauge({
    name: 'active_sessions',
    help: 'Sign-in sessions that can still be refreshed: refresh-token families with a live, unused token (whole database)',
    registers: this.registers,
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  query(kind: QueryKind, seconds: number): void {
    this.dbQueryDuration.observe({ kind }, seconds);
  }

  statementTimeout(kind: QueryKind): void {
    this.statementTimeouts.inc({ kind });
  }

  /** Counts every answered request under its route pattern (never the raw path). */
  http(): RequestHandler {
    return (req, res, next) => {
      const start = process.hrtime.bigint();
      res.on('finish', () => {
        const labels = { method: req.method, route: routeLabel(req, res), status: String(res.statusCode) };
        this.httpRequests.inc(labels);
        this.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
      });
      next();
    };
  }

  /** Reads the gauges that live in the database; NaN where the database cannot say just now. */
  async refresh(db: Database): Promise<void> {
    for (const p of db.poolStats()) {
      this.pool.set({ pool: p.pool, state: 'total' }, p.total);
      this.pool.set({ pool: p.pool, state: 'idle' }, p.idle);
      this.pool.set({ pool: p.pool, state: 'waiting' }, p.waiting);
    }
    const gauges = [this.auditPending, this.auditLag, this.outbox, this.outboxLag, this.deliveriesPending, this.sessions];
    try {
      // Counts across tenants, through a function that returns nothing else (migration 0046).
      const values = await db.transaction(undefined, async (sql) => {
        const r = await sql.query<Record<string, number | null>>('SELECT * FROM metrics_backlog()');
        return r.rows[0];
      });
      const lag = (v: number | null) => Math.max(0, Number(v ?? 0));
      this.auditPending.set(Number(values.audit_pending));
      this.auditLag.set(lag(values.audit_age));
      this.outbox.set(Number(values.outbox_pending));
      this.outboxLag.set(lag(values.outbox_age));
      this.deliveriesPending.set(Number(values.deliveries_pending));
      this.sessions.set(Number(values.sessions));
    } catch {
      for (const g of gauges) g.set(Number.NaN);
    }
  }
}
