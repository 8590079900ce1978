import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { parseSettings } from '../service-ab.js';

const root = findPackageRoot();

describe('bench service-ab settings', () => {
  it('reads KEY=VALUE words; none is an A/A run on the defaults', () => {
    assert.deepEqual(parseSettings('SERVICE_AB_B', ' BATCH_MAX_SIZE=16  ONNX_THREADS=1 ', root), { BATCH_MAX_SIZE: '16', ONNX_THREADS: '1' });
    assert.deepEqual(parseSettings('SERVICE_AB_A', undefined, root), {});
    assert.deepEqual(parseSettings('SERVICE_AB_A', '   ', root), {});
  });

  it('names a malformed word, a bad value and a setting the service does not read, before anything starts', () => {
    assert.throws(() => parseSettings('SERVICE_AB_A', 'BATCH_MAX_SIZE', root), /SERVICE_AB_A: "BATCH_MAX_SIZE" is not KEY=VALUE/);
    assert.throws(() => parseSettings('SERVICE_AB_B', 'BATCH_MAX_SIZE=0', root), /SERVICE_AB_B: BATCH_MAX_SIZE="0" is not a whole number from 1 to 1024/);
    assert.throws(() => parseSettings('SERVICE_AB_B', 'BATCH_MAX_SIZ=16', root), /SERVICE_AB_B: BATCH_MAX_SIZ is not a setting the service reads/);
  });
});
