import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultImage, imageRegistry, imageRepository, parseImageInspect } from '../drivers/image.js';
import { resolveOptions } from '../drivers/options.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('the image the container deployments run', () => {
  it('is LLM_IMAGE when set, else the local llm-inference-image', () => {
    assert.equal(defaultImage({}), 'llm-inference-image');
    assert.equal(defaultImage({ LLM_IMAGE: '' }), 'llm-inference-image');
    assert.equal(defaultImage({ LLM_IMAGE: 'ghcr.io/me/llm-inference-image:v1' }), 'ghcr.io/me/llm-inference-image:v1');
  });

  it('accepts tags and digests in driver options', () => {
    for (const image of ['127.0.0.1:5001/llm-inference-image:Test_1', `ghcr.io/me/llm-inference-image@${DIGEST}`]) {
      assert.equal(resolveOptions('compose', { image }).image, image);
    }
  });
});

describe('image references', () => {
  for (const [ref, registry] of [
    ['llm-inference-image', undefined],
    ['llm-inference-image:v1', undefined],
    ['me/llm-inference-image', undefined],
    ['localhost/llm-inference-image', 'localhost'],
    ['127.0.0.1:5001/llm-inference-image:test', '127.0.0.1:5001'],
    ['ghcr.io/me/llm-inference-image:v1', 'ghcr.io'],
    [`docker.io/me/llm-inference-image@${DIGEST}`, 'docker.io'],
  ] as const) {
    it(`${ref} names ${registry ?? 'no registry'}`, () => {
      assert.equal(imageRegistry(ref), registry);
    });
  }

  it('have a repository without tag or digest, written as Docker writes RepoDigests', () => {
    assert.equal(imageRepository('127.0.0.1:5001/llm-inference-image:test'), '127.0.0.1:5001/llm-inference-image');
    assert.equal(imageRepository(`127.0.0.1:5001/llm-inference-image@${DIGEST}`), '127.0.0.1:5001/llm-inference-image');
    assert.equal(imageRepository('127.0.0.1:5001/llm-inference-image'), '127.0.0.1:5001/llm-inference-image');
    assert.equal(imageRepository('docker.io/me/llm-inference-image:v1'), 'me/llm-inference-image');
    assert.equal(imageRepository('docker.io/library/node:22'), 'node');
  });
});

describe('image info', () => {
  it('records the reference and the digest of its repository for a registry image', () => {
    const out = `sha256:1111 362000000 ["other.io/x@sha256:${'00'.repeat(32)}","ghcr.io/me/llm-inference-image@${DIGEST}"]\n`;
    assert.deepEqual(parseImageInspect('ghcr.io/me/llm-inference-image:v1', out), {
      id: 'sha256:1111', sizeBytes: 362000000, ref: 'ghcr.io/me/llm-inference-image:v1', digest: DIGEST,
    });
  });

  it('takes the digest a reference pins, and finds Docker Hub names without docker.io/', () => {
    assert.equal(parseImageInspect(`127.0.0.1:5001/llm-inference-image@${DIGEST}`, 'sha256:1 5 []')?.digest, DIGEST);
    assert.equal(parseImageInspect('docker.io/me/llm-inference-image:v1', `sha256:1 5 ["me/llm-inference-image@${DIGEST}"]`)?.digest, DIGEST);
  });

  it('has no digest for a local build, even one that was pushed somewhere', () => {
    assert.deepEqual(parseImageInspect('llm-inference-image', `sha256:1 5 ["127.0.0.1:5001/llm-inference-image@${DIGEST}"]`), {
      id: 'sha256:1', sizeBytes: 5, ref: 'llm-inference-image', digest: null,
    });
    assert.equal(parseImageInspect('llm-inference-image', 'sha256:1 5 null')?.digest, null);
    assert.equal(parseImageInspect('llm-inference-image', 'garbage'), null);
  });
});
