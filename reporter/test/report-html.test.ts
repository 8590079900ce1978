// report.html in a real headless Chromium (Debian's chromium): no network, no console errors, every chart
// drawn. A screenshot goes to test-artifacts/ for a human to look at.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { build } from '../build.js';
import { fixtureCopy, ROOT, type FixtureName } from '../fixture/workspace.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

for (const fixture of ['recording', 'real'] as const satisfies readonly FixtureName[]) describe(`report.html of the ${fixture} fixture in headless Chromium`, () => {
  let browser: Browser;
  let html: string;
  let figures: string[];
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    const ws = fixtureCopy(fixture);
    const result = await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
    figures = result.figures;
    html = join(ws.out, 'report.html');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  });
  after(async () => {
    await browser?.close();
  });

  describe('when opened from disk', () => {
    it('loads no network resource, logs no error and draws every chart', async () => {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`);
      });
      await page.goto(pathToFileURL(html).href);
      // Strings, not functions: this file is compiled without the DOM library.
      await page.waitForFunction('document.body.dataset.charts !== undefined', undefined, { timeout: 30_000 });
      assert.equal(await page.evaluate('document.body.dataset.charts'), 'ready');
      const drawn = await page.$$eval('.chart', (els) => els.map((e) => e.querySelectorAll('svg .mark-rect path, svg .mark-line path, svg .mark-symbol path').length));
      assert.equal(drawn.length, figures.length);
      drawn.forEach((n, i) => assert.ok(n > 0, `chart ${figures[i]} has no marks`));
      assert.match(await page.locator('h2').first().innerText(), /What each deployment costs against native/, 'the report leads with the answer');
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      const shot = join(ROOT, 'test-artifacts', `reporter-report-html-${fixture}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(statSync(shot).size > 10_000);
      assert.deepEqual(problems, []);
      await page.close();
    });
  });
});
