/**
 * Starts a real Perch (build/perch) on a temporary data folder with examples/demo, loads the
 * deterministic demo events through the Events API, and stops it after the run.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ADMIN_TOKEN = 'js-client-admin-token-' + 'y'.repeat(32);
export const WORKSPACE_ID = '5f0c3a4e-0000-4000-8000-0000000000c1';

declare module 'vitest' {
  export interface ProvidedContext {
    perch: { url: string; adminToken: string; workspaceId: string; events: number };
  }
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => ok(port));
    });
  });
}

let perch: ChildProcess | undefined;
let dataDir: string | undefined;

export default async function setup(project: TestProject) {
  const binary = process.env.PERCH_BINARY ?? join(ROOT, 'build', 'perch');
  if (!existsSync(binary)) throw new Error(`${binary} not found: build Perch first (bash scripts/build.sh build)`);
  dataDir = mkdtempSync(join(tmpdir(), 'perch-js-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(join(dataDir, 'server.log'), 'w');
  // A private copy: a concurrent rebuild of build/perch must not swap the binary under the test.
  const copy = join(dataDir, 'perch');
  copyFileSync(binary, copy);
  chmodSync(copy, 0o755);
  perch = spawn(copy, ['serve', '--project', join(ROOT, 'examples', 'demo'), '--data', join(dataDir, 'data'), '--port', String(port), '--quiet'], {
    env: { ...process.env, PERCH_ADMIN_TOKEN: ADMIN_TOKEN, PERCH_WORKSPACE_ID: WORKSPACE_ID },
    stdio: ['ignore', log, log],
  });
  let spawnError: Error | undefined;
  perch.on('error', (error) => (spawnError = error));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start ${copy}: ${spawnError.message}`);
    if (perch.exitCode !== null) throw new Error('perch exited early:\n' + readFileSync(join(dataDir, 'server.log'), 'utf8'));
    try {
      if ((await fetch(url + '/v0/health')).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('perch did not become healthy');
    await new Promise((r) => setTimeout(r, 50));
  }
  const events = 5000;
  const ndjson = execFileSync('python3', [join(ROOT, 'examples', 'demo', 'generate_events.py'), '--events', String(events)], { maxBuffer: 64 << 20 });
  const response = await fetch(url + '/v0/events?name=app_events&wait=true', {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: ndjson,
  });
  const body = await response.json();
  if (!response.ok || body.successful_rows !== events) throw new Error('loading events failed: ' + JSON.stringify(body));
  project.provide('perch', { url, adminToken: ADMIN_TOKEN, workspaceId: WORKSPACE_ID, events });
  return teardown;
}

async function teardown() {
  if (perch && perch.exitCode === null) {
    const exited = new Promise((r) => perch!.once('exit', r));
    perch.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (perch.exitCode === null) perch.kill('SIGKILL');
  }
  if (dataDir && !process.env.PERCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
}
