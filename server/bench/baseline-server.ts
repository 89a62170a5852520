/**
 * The benchmark's baseline: the least an HTTP endpoint storing FHIR JSON in PostgreSQL can do.
 * express + pg, no validation, no versioning, no history, no search rows, no tenant context.
 */
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
pool.on('error', () => {});
await pool.query('CREATE TABLE IF NOT EXISTS bench_baseline (id uuid PRIMARY KEY, content jsonb NOT NULL)');

const app = express();
app.use(express.json({ type: ['application/fhir+json', 'application/json'], limit: '16mb' }));
app.post('/Patient', async (req, res) => {
  const id = crypto.randomUUID();
  const body = { ...req.body, id };
  await pool.query('INSERT INTO bench_baseline (id, content) VALUES ($1, $2::jsonb)', [id, JSON.stringify(body)]);
  res.status(201).type('application/fhir+json').send(JSON.stringify(body));
});
app.get('/Patient/:id', async (req, res) => {
  const r = await pool.query('SELECT content FROM bench_baseline WHERE id = $1', [req.params.id]);
  if (!r.rows[0]) {
    res.status(404).end();
    return;
  }
  res.type('application/fhir+json').send(JSON.stringify(r.rows[0].content));
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
});
