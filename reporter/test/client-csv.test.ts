// client.csv as the reporter reads it: the load generator's own rows round-trip with their bytes on the
// wire, and a client CSV written before the byte columns (13 columns; the committed real experiment's)
// still reads whole, with no byte counts.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_CSV_COLUMNS_WITHOUT_BYTES, type ClientRequest } from '../../contracts/client-csv.js';
import { ClientCsvWriter } from '../../load/csv-writer.js';
import { readClientCsv } from '../csv-read.js';
import { FIXTURES, tempDir } from '../fixture/workspace.js';

const request = (seq: number, over: Partial<ClientRequest> = {}): ClientRequest => ({
  label: 'native', phase: 'sequential', seq, requestId: `id-${seq}`, intendedMs: 1000 + seq, sentMs: 1000.25 + seq, doneMs: 1003 + seq,
  latencyMs: 3, status: 200, error: '', serverLatencyMs: 1.5, replica: 'r1', prediction: 'POSITIVE',
  bytesSent: 240 + seq, bytesReceived: 231, ...over,
});

describe('client.csv as the reporter reads it', () => {
  it("reads the load generator's rows back with their bytes on the wire", () => {
    const file = join(tempDir(), 'client.csv');
    const writer = new ClientCsvWriter(file);
    writer.write(request(1));
    writer.write(request(2, { status: 0, error: 'ECONNREFUSED', serverLatencyMs: null, replica: null, prediction: null, bytesSent: 0, bytesReceived: 0 }));
    writer.close();
    const csv = readClientCsv(file);
    assert.equal(csv.skipped, 0);
    assert.deepEqual(csv.rows.map((r) => [r.line, r.row.bytesSent, r.row.bytesReceived]), [[2, 241, 231], [3, 0, 0]]);
  });

  it('reads a client CSV written before the byte columns whole, with no byte counts', () => {
    const file = join(FIXTURES, 'real', 'runs', 'native', 'client.csv');
    assert.equal(readFileSync(file, 'utf8').split('\n', 1)[0], CLIENT_CSV_COLUMNS_WITHOUT_BYTES.join(','), 'the fixture is the older form');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').length;
    const csv = readClientCsv(file);
    assert.equal(csv.skipped, 0);
    assert.equal(csv.rows.length, lines - 1);
    assert.ok(csv.rows.every((r) => r.row.bytesSent === null && r.row.bytesReceived === null));
    assert.ok(csv.rows.every((r) => r.row.status === 200 && r.row.latencyMs !== null));
  });

  it('skips a row whose byte count is not a number, naming the column', () => {
    const file = join(tempDir(), 'client.csv');
    const header = `${CLIENT_CSV_COLUMNS_WITHOUT_BYTES.join(',')},bytes_sent,bytes_received`;
    writeFileSync(file, `${header}\nnative,sequential,1,a,1000,1000,1003,3,200,,1.5,r1,POSITIVE,241,lots\n`);
    const csv = readClientCsv(file);
    assert.deepEqual(csv.warnings.map((w) => [w.line, w.reason]), [[2, 'bad number in bytes_received: "lots"']]);
  });
});
