import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CSV_COLUMNS,
  CSV_HEADER,
  formatCsvRow,
  neutraliseCell,
  quoteField,
  unneutraliseCell,
  type InferenceRecord,
} from '../../contracts/service-csv.js';
import { parseCsv } from '../testing/harness.js';

const record = (text: string, extra: Partial<InferenceRecord> = {}): InferenceRecord => ({
  latencyMs: 0.74,
  prediction: 'POSITIVE',
  text,
  timestamp: '2026-11-23T04:31:16.866Z',
  score: 0.98123,
  replica: 'host-1',
  requestId: 'req-1',
  batchSize: 3,
  ...extra,
});

describe('CSV row format', () => {
  describe('header', () => {
    it('starts with latency, prediction, text and timestamp in that order, then score, replica, request id, batch size', () => {
      assert.equal(
        CSV_HEADER,
        'Inference Latency (ms),Prediction,Input Text,Timestamp,Score,Replica,Request ID,Batch Size\r\n',
      );
      assert.equal(CSV_COLUMNS.length, 8);
    });
  });

  describe('a plain row', () => {
    it('has latency with 2 decimals, score with 4, and CRLF at the end', () => {
      assert.equal(
        formatCsvRow(record('This movie was fantastic!')),
        '0.74,POSITIVE,This movie was fantastic!,2026-11-23T04:31:16.866Z,0.9812,host-1,req-1,3\r\n',
      );
    });
  });

  describe('RFC 4180 quoting', () => {
    it('leaves plain fields alone', () => assert.equal(quoteField('abc def'), 'abc def'));
    it('quotes fields with commas', () => assert.equal(quoteField('a,b'), '"a,b"'));
    it('doubles inner quotes', () => assert.equal(quoteField('say "hi"'), '"say ""hi"""'));
    it('quotes fields with CR or LF', () => {
      assert.equal(quoteField('a\nb'), '"a\nb"');
      assert.equal(quoteField('a\rb'), '"a\rb"');
    });
    it('quotes fields with leading or trailing spaces so parsers keep them', () => {
      assert.equal(quoteField(' a'), '" a"');
      assert.equal(quoteField('a '), '"a "');
    });
  });

  describe('formula-injection neutralising', () => {
    for (const first of ['=', '+', '-', '@', '\t', '\r', "'"]) {
      it(`prefixes an apostrophe to a cell starting with ${JSON.stringify(first)}`, () => {
        assert.equal(neutraliseCell(`${first}x`), `'${first}x`);
      });
    }
    it('leaves other cells and the empty cell alone', () => {
      assert.equal(neutraliseCell('x=1'), 'x=1');
      assert.equal(neutraliseCell(''), '');
    });
    it('is undone exactly by dropping one leading apostrophe', () => {
      for (const s of ['=1+1', "'tis", "''", '-5', 'plain', '@SUM(A1)', '']) {
        assert.equal(unneutraliseCell(neutraliseCell(s)), s);
      }
    });
  });

  describe('hostile texts through a standard CSV parser', () => {
    const hostile = [
      'commas, everywhere, here',
      'quotes "inside" and ""doubled""',
      'line one\nline two\r\nline three',
      '=cmd|\' /C calc\'!A0',
      '+SUM(1,2)',
      '-2+3',
      '@import',
      'emoji 🎬🍿 and accents: café, naïve, 日本語',
      '  padded  ',
      "'already quoted",
    ];
    for (const text of hostile) {
      it(`round-trips ${JSON.stringify(text)}`, () => {
        const [row] = parseCsv(CSV_HEADER + formatCsvRow(record(text)));
        assert.ok(row);
        assert.equal(unneutraliseCell(row['Input Text']!), text);
        assert.equal(row['Prediction'], 'POSITIVE');
        assert.equal(row['Batch Size'], '3');
      });
    }
    it('never lets a parsed Input Text cell start with a formula character', () => {
      for (const text of hostile) {
        const [row] = parseCsv(CSV_HEADER + formatCsvRow(record(text)));
        assert.doesNotMatch(row!['Input Text']!, /^[=+\-@\t\r]/);
      }
    });
  });
});
