import express from 'express';

/**
 * `/admin/queues`: a read-only view of GET /admin/jobs for the platform's administrators. The page
 * holds no data: it asks for an access token, keeps it for the tab only (sessionStorage), and
 * fetches the jobs with it, so the API's guard is the page's. Job data is written as text, never as
 * markup. Same-origin script only, as the CSP demands.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Job queues · Hospital-Ops</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1d2733}table{border-collapse:collapse;margin:12px 0}
th,td{border:1px solid #ccd3db;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef2f6}
td.data{font-family:monospace;max-width:420px;overflow-wrap:anywhere}.failed{color:#b00020}#error{color:#b00020}
</style></head><body>
<h1>Job queues</h1>
<form id="auth"><label>Access token (super_admin of the platform's tenant, or its system client)
<input id="token" type="password" autocomplete="off" size="40"></label>
<label>Queue <input id="queue" size="20"></label>
<label>State <select id="state"><option value="">any</option><option>waiting</option><option>delayed</option><option>active</option><option>completed</option><option>failed</option></select></label>
<button>Show</button></form>
<p id="error" role="alert"></p><p id="backend"></p>
<h2>Counts</h2><table id="counts"></table>
<h2>Jobs, newest first</h2><table id="jobs"></table>
<script src="/admin/queues/view.js"></script>
</body></html>`;

const SCRIPT = `'use strict';
const $ = (id) => document.getElementById(id);
$('token').value = sessionStorage.getItem('hops-admin-token') || '';
function row(table, cells, head) {
  const tr = table.insertRow();
  for (const c of cells) {
    const td = document.createElement(head ? 'th' : 'td');
    td.textContent = c.text === undefined ? String(c) : c.text;
    if (c.cls) td.className = c.cls;
    tr.appendChild(td);
  }
}
async function show(e) {
  if (e) e.preventDefault();
  const token = $('token').value.trim();
  sessionStorage.setItem('hops-admin-token', token);
  const q = new URLSearchParams();
  if ($('queue').value.trim()) q.set('queue', $('queue').value.trim());
  if ($('state').value) q.set('state', $('state').value);
  $('error').textContent = '';
  const res = await fetch('/admin/jobs?' + q, { headers: { authorization: 'Bearer ' + token } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    $('error').textContent = (body.issue && body.issue[0] && body.issue[0].details && body.issue[0].details.text) || 'The server answered ' + res.status + '.';
    return;
  }
  $('backend').textContent = 'Backend: ' + body.backend;
  const states = ['waiting', 'delayed', 'active', 'completed', 'failed'];
  const counts = $('counts'); counts.replaceChildren();
  row(counts, ['queue', ...states], true);
  for (const [queue, c] of Object.entries(body.counts)) row(counts, [queue, ...states.map((s) => String(c[s]))]);
  const jobs = $('jobs'); jobs.replaceChildren();
  row(jobs, ['queue', 'id', 'name', 'state', 'attempts', 'created', 'finished', 'last error', 'data'], true);
  for (const j of body.jobs) row(jobs, [j.queue, j.id, j.name, { text: j.state, cls: j.state }, j.attempts + '/' + j.maxAttempts,
    j.createdAt, j.finishedAt || '', j.lastError || '', { text: JSON.stringify(j.data), cls: 'data' }]);
}
$('auth').addEventListener('submit', show);
if ($('token').value) show();
`;

export function queuesPage(): express.Router {
  const r = express.Router();
  r.get('/queues', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(PAGE);
  });
  r.get('/queues/view.js', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('text/javascript').send(SCRIPT);
  });
  return r;
}
