import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, rename, truncate, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CsvLog } from '../csv-log.js';
import { suiteTempDir } from '../testing/harness.js';

describe('CSV log file', () => {
  const tempDir = suiteTempDir('csv-log-test-');

  describe('when the file is new', () => {
    it('writes the header once, then the rows', async () => {
      const file = path.join(tempDir(), 'new.csv');
      const log = new CsvLog(file, 'h\r\n');
      log.appendSync('1\r\n');
      log.appendSync('2\r\n');
      assert.equal(await readFile(file, 'utf8'), 'h\r\n1\r\n2\r\n');
    });
    it('creates missing parent folders', async () => {
      const file = path.join(tempDir(), 'a', 'b', 'deep.csv');
      new CsvLog(file, 'h\r\n').appendSync('1\r\n');
      assert.equal(await readFile(file, 'utf8'), 'h\r\n1\r\n');
    });
  });

  describe('when the file already has rows', () => {
    it('appends without a second header', async () => {
      const file = path.join(tempDir(), 'existing.csv');
      new CsvLog(file, 'h\r\n').appendSync('1\r\n');
      new CsvLog(file, 'h\r\n').appendSync('2\r\n'); // a restarted service
      assert.equal(await readFile(file, 'utf8'), 'h\r\n1\r\n2\r\n');
    });
  });

  describe('under 500 concurrent requests', () => {
    it('keeps every row whole and loses none', async () => {
      // Requests interleave at every await; each one's row still goes out in one write.
      const file = path.join(tempDir(), 'concurrent.csv');
      const log = new CsvLog(file, 'h\r\n');
      const rows = Array.from({ length: 500 }, (_, i) => `${i},${'x'.repeat(i % 50)}\r\n`);
      await Promise.all(
        rows.map(async (r, i) => {
          await new Promise((res) => setTimeout(res, i % 7));
          log.appendSync(r);
        }),
      );
      const lines = (await readFile(file, 'utf8')).split('\r\n').filter((l) => l !== '');
      assert.equal(lines[0], 'h');
      assert.deepEqual(lines.slice(1).sort(), rows.map((r) => r.slice(0, -2)).sort());
    });
  });

  describe('when the file is deleted while the service runs', () => {
    it('recreates it with its header on the next append', async () => {
      const file = path.join(tempDir(), 'deleted.csv');
      const log = new CsvLog(file, 'h\r\n');
      log.appendSync('1\r\n');
      await unlink(file);
      log.appendSync('2\r\n');
      assert.equal(await readFile(file, 'utf8'), 'h\r\n2\r\n');
    });
  });

  describe('when the file is renamed away (log rotation)', () => {
    it('leaves the old rows in the renamed file and starts a new file with its header', async () => {
      const file = path.join(tempDir(), 'rotated.csv');
      const log = new CsvLog(file, 'h\r\n');
      log.appendSync('1\r\n');
      await rename(file, `${file}.1`);
      log.appendSync('2\r\n');
      assert.equal(await readFile(`${file}.1`, 'utf8'), 'h\r\n1\r\n');
      assert.equal(await readFile(file, 'utf8'), 'h\r\n2\r\n');
      log.close();
    });
  });

  describe('when the file is truncated to nothing', () => {
    it('writes the header again before the next row', async () => {
      const file = path.join(tempDir(), 'truncated.csv');
      const log = new CsvLog(file, 'h\r\n');
      log.appendSync('1\r\n');
      await truncate(file, 0);
      log.appendSync('2\r\n');
      assert.equal(await readFile(file, 'utf8'), 'h\r\n2\r\n');
      log.close();
    });
  });

  describe('when an append returns', () => {
    it('has handed the row to the OS: another reader sees it at once', () => {
      const file = path.join(tempDir(), 'handed-over.csv');
      const log = new CsvLog(file, 'h\r\n');
      for (let i = 0; i < 20; i++) {
        log.appendSync(`${i}\r\n`);
        assert.equal(readFileSync(file, 'utf8').split('\r\n').length - 2, i + 1);
      }
      log.close();
    });
  });

  describe('when rows are appended together (the answers of one model call)', () => {
    it('settles each caller only once the file holds every row of the group, in order', async () => {
      const file = path.join(tempDir(), 'together.csv');
      const log = new CsvLog(file, 'h\r\n');
      const seen = await Promise.all(
        ['1', '2', '3'].map((r) => log.append(`${r}\r\n`).then(() => readFileSync(file, 'utf8'))),
      );
      assert.deepEqual(seen, Array(3).fill('h\r\n1\r\n2\r\n3\r\n'));
      await log.append('4\r\n'); // a later group: no second header
      assert.equal(await readFile(file, 'utf8'), 'h\r\n1\r\n2\r\n3\r\n4\r\n');
      log.close();
    });
    it('still notices a file deleted between two groups', async () => {
      const file = path.join(tempDir(), 'together-deleted.csv');
      const log = new CsvLog(file, 'h\r\n');
      await log.append('1\r\n');
      await unlink(file);
      await Promise.all([log.append('2\r\n'), log.append('3\r\n')]);
      assert.equal(await readFile(file, 'utf8'), 'h\r\n2\r\n3\r\n');
      log.close();
    });
  });

  describe('when the file cannot be written', () => {
    it('throws the OS error from the append', () => {
      const log = new CsvLog(path.join(tempDir(), 'concurrent.csv', 'not-a-dir.csv'), 'h\r\n');
      assert.throws(() => log.appendSync('1\r\n'), /ENOTDIR|EEXIST/);
    });
    it('rejects every caller of a group with the OS error', async () => {
      const log = new CsvLog(path.join(tempDir(), 'concurrent.csv', 'not-a-dir.csv'), 'h\r\n');
      const results = await Promise.allSettled([log.append('1\r\n'), log.append('2\r\n')]);
      for (const r of results) assert.match(String(r.status === 'rejected' && r.reason), /ENOTDIR|EEXIST/);
    });
  });
});
