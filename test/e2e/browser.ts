/**
 * What the console's end-to-end tests share: Debian's headless Chromium (driven by playwright-core,
 * installed with apt when it is missing and we are root), the built console (built when
 * `console/dist` is missing), sign-in, screenshots and a GraphQL client for the API side.
 * Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1 (`npm run screenshots`), to
 * .tmp/screenshots/ otherwise.
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { TestInstance } from '../harness/tessera';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');
/** Where screenshots go: the committed pictures with UPDATE_SCREENSHOTS=1, .tmp/ (git-ignored) otherwise. */
export const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(ROOT, '.tmp', 'screenshots');

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error("The console e2e tests need Debian's chromium at /usr/bin/chromium: `apt-get install -y chromium`");
  }
  execSync('apt-get update && apt-get install -y chromium', { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function ensureConsoleBuilt(): void {
  if (existsSync(join(ROOT, 'console', 'dist', 'index.html')) && existsSync(join(ROOT, 'console', 'dist', 'graphiql.html'))) return;
  execFileSync('npm', ['run', 'build:console'], { cwd: ROOT, stdio: 'ignore' });
}

/** One GraphQL request to `tessera` (as the administrator unless told), failing on any error. */
export async function graphql<T>(tessera: TestInstance, query: string, variables: Record<string, unknown> = {}, token = tessera.adminToken): Promise<T> {
  const response = await fetch(`${tessera.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A headless Chromium on the console of one Tessera, with a desktop-sized page. */
export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Screenshots the page as `<name>.png` in {@link SHOTS}, values masked (plus `mask`). */
  shot(name: string, mask?: Locator[]): Promise<Buffer>;
  close(): Promise<void>;
}

/** Launches Chromium on `tessera`'s console (building it if needed); nothing is signed in yet. */
export async function openConsole(tessera: TestInstance): Promise<ConsoleBrowser> {
  ensureChromium();
  ensureConsoleBuilt();
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, baseURL: tessera.url });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tessera.url });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return {
    browser,
    context,
    page,
    // Values (one-time secrets, the bearer header) are masked in the committed pictures.
    shot: (name, mask = []) =>
      page.screenshot({
        path: join(SHOTS, `${name}.png`),
        mask: [page.getByTestId('one-time-secret'), page.getByRole('textbox', { name: 'curl example' }), page.locator('.graphiql-editor-tool'), ...mask],
        maskColor: '#c9cfdb',
      }),
    close: () => browser.close(),
  };
}

/** Signs in on the sign-in page with `token` and waits for the first page. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/console');
  await page.getByLabel('Token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Personal access tokens', level: 1 }).waitFor();
}

/** Waits until the notices subscription is connected. */
export async function waitLive(page: Page): Promise<void> {
  await page.locator('[data-connection="live"]').waitFor();
}
