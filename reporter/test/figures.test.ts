// The figures: valid SVG with the marks each chart needs, a PNG of it, and the Vega-Lite spec beside it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { build } from '../build.js';
import { fixtureCopy } from '../fixture/workspace.js';
import type { AcrossRounds, RoundFigure } from '../../contracts/summary.js';
import { specToSvg } from '../plots/render.js';
import { answerPanels, comparisonSpec } from '../plots/round-specs.js';
import { deploymentColours } from '../plots/specs.js';
import { meanInterval } from '../stats.js';

const LABELS = ['native', 'docker', 'compose', 'swarm-1', 'swarm-3'];

/** Paths inside <g class="mark-<type> …"> groups: one per drawn bar/line. */
function marks(svg: string, type: string): number {
  let count = 0;
  const re = new RegExp(`<g[^>]*class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(re)) count += (m[1]!.match(/<path /g) ?? []).length;
  return count;
}

/** Lines inside <g class="mark-rule role-mark …"> groups (an empty group is self-closing): one per drawn rule. */
function rules(svg: string): number {
  let count = 0;
  for (const m of svg.matchAll(/<g[^>]*class="mark-rule role-mark[^"]*"[^>]*?(?:\/>|>(.*?)<\/g>)/gs)) count += (m[1]?.match(/<line /g) ?? []).length;
  return count;
}

describe('report figures', () => {
  let dir: string;
  const svg = (name: string): string => readFileSync(join(dir, `${name}.svg`), 'utf8');
  before(async () => {
    const ws = fixtureCopy();
    await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
    dir = join(ws.out, 'figures');
  });

  describe('every figure', () => {
    const names = ['comparison', 'overheads', 'rounds', 'latency-ecdf', 'latency-vs-cpu', ...LABELS.map((l) => `resources-${l}`), 'replicas-swarm-3'];
    it('is an SVG document with a size, a PNG of the same picture and its Vega-Lite spec', async () => {
      for (const name of names) {
        const text = svg(name);
        assert.match(text, /^<svg [^>]*width="\d+(\.\d+)?" height="\d+(\.\d+)?"/, name);
        assert.ok(text.trimEnd().endsWith('</svg>'), name);
        const png = readFileSync(join(dir, `${name}.png`));
        assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], name);
        const meta = await sharp(png).metadata();
        assert.ok((meta.width ?? 0) > 200 && (meta.height ?? 0) > 100, `${name} ${meta.width}x${meta.height}`);
        // Rasterised at 144 ppi, twice the SVG's own size, and it says so; something is drawn on the white.
        const [, w, h] = /^<svg [^>]*width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(text)!;
        assert.deepEqual([meta.width, meta.height, meta.density], [Math.ceil(2 * Number(w)), Math.ceil(2 * Number(h)), 144], name);
        const { channels } = await sharp(png).stats();
        assert.ok(channels.slice(0, 3).some((c) => c.min < 128), `${name}: nothing dark drawn`);
        const spec = JSON.parse(readFileSync(join(dir, `${name}.vl.json`), 'utf8')) as { $schema: string };
        assert.match(spec.$schema, /vega-lite/);
      }
    });
    it('has readable axis titles with units', () => {
      assert.match(svg('latency-ecdf'), />Latency \(ms, log scale\)</);
      assert.match(svg('resources-native'), />CPU \(% of one core\)</);
      assert.match(svg('resources-native'), />Memory used \(MiB\)</);
    });
  });

  describe('the comparison figure', () => {
    it('has one bar per deployment for p50/p99 latency, throughput, CPU per request, memory, MEM %, network both ways and block read and write per request, none for a missing value', () => {
      const spec = JSON.parse(readFileSync(join(dir, 'comparison.vl.json'), 'utf8')) as { data: { values: Array<{ label: string; value: number | null; tick: number | null }> } };
      assert.deepEqual([...new Set(spec.data.values.map((v) => v.label))], LABELS);
      assert.equal(spec.data.values.length, LABELS.length * 10);
      // Vega draws a tick as a rect too: one per bar, and a tick per row (transparent where no container counter is).
      assert.equal(marks(svg('comparison'), 'rect'), spec.data.values.filter((v) => v.value !== null).length + spec.data.values.filter((v) => v.tick !== null).length);
      for (const title of ['p50 latency, sequential (ms)', 'p99 latency, sequential (ms)', 'throughput, closed-c16 (req/s)', 'CPU per request, closed-c16 (ms)',
        'memory, closed-c16 (MiB)', 'MEM %, closed-c16 (%)', 'request bytes per request, closed-c16 (B)',
        'response bytes per request, closed-c16 (B)', 'bytes per request: bar = client socket, tick = container interface',
        'block read per request, closed-c16 (B)', 'block write per request, closed-c16 (B)'])
        assert.ok(svg('comparison').includes(title), title);
    });
    it('has a network bar for every deployment, native included, and the container counters as ticks where they exist', () => {
      const spec = JSON.parse(readFileSync(join(dir, 'comparison.vl.json'), 'utf8')) as { data: { values: Array<{ label: string; panel: string; value: number | null; container: number | null }> } };
      const network = spec.data.values.filter((v) => v.panel.includes('bytes per request'));
      assert.equal(network.length, LABELS.length * 2);
      for (const v of network) {
        assert.ok(v.value !== null && v.value > 0, `${v.label} ${v.panel}: client bytes bar`);
        if (v.label === 'native') assert.equal(v.container, null, 'native has no container counters');
        else assert.ok(v.container !== null && v.container > 0, `${v.label} ${v.panel}: container tick`);
      }
    });
    it('has a block I/O bar for every deployment, native included (its own cgroup\'s counters), and writes nothing at the foot of a bar with height', () => {
      const spec = JSON.parse(readFileSync(join(dir, 'comparison.vl.json'), 'utf8')) as { data: { values: Array<{ label: string; panel: string; value: number | null; flag: string }> } };
      const block = spec.data.values.filter((v) => v.panel.startsWith('block '));
      assert.equal(block.length, LABELS.length * 2);
      for (const v of block) assert.ok(v.value !== null && v.value > 0 && v.flag === '', `${v.label} ${v.panel}: ${v.value}`);
    });
    it('says under its title what native memory is: here RSS (the fixture\'s native run was read from /proc)', () => {
      for (const name of ['comparison', 'overheads', 'rounds']) assert.ok(svg(name).includes('native memory: RSS, not comparable'), name);
    });
    it('draws an error bar for each interval and none where one round gives no interval', () => {
      const spec = JSON.parse(readFileSync(join(dir, 'comparison.vl.json'), 'utf8')) as { data: { values: Array<{ low: number | null; high: number | null }> } };
      assert.equal(rules(svg('comparison')), spec.data.values.filter((v) => v.low !== null && v.high !== null).length);
    });
    it('shows every round\'s value as a dot', () => {
      const spec = JSON.parse(readFileSync(join(dir, 'rounds.vl.json'), 'utf8')) as { data: { values: Array<{ label: string; round: number }> } };
      assert.equal(spec.data.values.length, LABELS.length * 10);
      assert.equal(marks(svg('rounds'), 'symbol'), spec.data.values.length);
    });
    it('colours each deployment the same in every figure', () => {
      const { range } = deploymentColours(LABELS);
      for (const colour of range) {
        assert.ok(svg('comparison').includes(`fill="${colour}"`), `comparison lacks ${colour}`);
        assert.ok(svg('latency-ecdf').includes(`stroke="${colour}"`), `ecdf lacks ${colour}`);
      }
    });
  });

  describe('the latency ECDF', () => {
    it('draws one line per deployment', () => {
      assert.equal(marks(svg('latency-ecdf'), 'line'), LABELS.length);
    });
  });

  describe('latency against the serving replica\'s CPU', () => {
    it('draws one point per joined request in its spec, for every deployment', () => {
      const spec = JSON.parse(readFileSync(join(dir, 'latency-vs-cpu.vl.json'), 'utf8')) as { data: { values: Array<{ label: string }> } };
      assert.deepEqual([...new Set(spec.data.values.map((v) => v.label))], LABELS);
      assert.equal(marks(svg('latency-vs-cpu'), 'symbol'), spec.data.values.length);
    });
  });

  describe('resources over time', () => {
    it('draws CPU and memory lines for each replica and shades the load phases', () => {
      assert.equal(marks(svg('resources-swarm-3'), 'line'), 2 * 3);
      assert.equal(marks(svg('resources-native'), 'line'), 2);
      assert.ok(marks(svg('resources-native'), 'rect') >= 2 * 3, 'phase bands');
      for (const phase of ['warmup', 'sequential', 'closed-c16']) assert.ok(svg('resources-native').includes(`>${phase}<`), phase);
    });
  });

  describe('the replica spread of swarm-3', () => {
    it('shows received and sent bytes and requests for its 3 replicas', () => {
      assert.equal(marks(svg('replicas-swarm-3'), 'rect'), 3 * 2 + 3);
    });
    it('is made only for runs with several replicas', () => {
      assert.equal(existsSync(join(dir, 'replicas-native.svg')), false);
    });
  });

  describe('a measured zero and a missing figure', () => {
    it('are written where the bar would stand ("0", "n/a"), and a value that only rounds to 0 is not', async () => {
      const figure = (label: string, perRound: number[]): RoundFigure => ({
        label, deployment: label.replace(/-\d$/, ''), phase: 'closed-c16', metric: 'blockWriteBytesPerRequest', unit: 'B',
        perRound: perRound.map((value, i) => ({ round: i + 1, value })), interval: meanInterval(perRound)!,
      });
      const across: AcrossRounds = {
        rounds: 2, method: '', baseline: 'native', aaLabel: null, comparisons: [],
        figures: [figure('native', [0, 0]), figure('docker', [512, 640]), figure('compose', [0.0001, 0])],
      };
      const panels = answerPanels(across, { latency: undefined, throughput: 'closed-c16', resources: 'closed-c16' });
      assert.deepEqual(panels.map((p) => p.metric), ['blockWriteBytesPerRequest']);
      const spec = comparisonSpec(across, ['native', 'docker', 'compose', 'swarm-1'], panels);
      const flags = Object.fromEntries((spec['data'] as { values: Array<{ label: string; flag: string }> }).values.map((v) => [v.label, v.flag]));
      assert.deepEqual(flags, { native: '0', docker: '', compose: '', 'swarm-1': 'n/a' });
      const texts = [...(await specToSvg(spec)).matchAll(/<g[^>]*class="mark-text role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)]
        .flatMap((m) => [...m[1]!.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((t) => t[1]));
      assert.deepEqual(texts.filter((t) => t !== ''), ['0', 'n/a']);
    });
  });
});
