// Vega-Lite spec → Vega → SVG (headless View, no canvas) → PNG (sharp, which rasterises SVG with the
// system fonts; Debian's fonts-dejavu-core is enough).
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Pixels per inch the SVG is rasterised at: 2 × the SVG's own 72, so a PNG is sharp on a HiDPI screen. */
const DENSITY = 144;

export async function specToSvg(spec: Record<string, unknown>): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises to pixels first, then encodes those. Asked for a PNG straight from the SVG, sharp (0.35,
 * libvips 8.18, librsvg 2.63) rendered the first figure of a process in ~1 s and later ones in 20-125 s
 * each, one libvips thread zeroing and faulting in memory all along (2026-12-02, 2 vCPU VM: a report's
 * rounds.png took 96 s; the same SVG alone 2 s). libvips pulls an SVG in strips and has librsvg render
 * it again for each (lovell/sharp#1222); why only after the first we do not know. This way every
 * figure took 0.03-4 s in the same process, and the pixels are the same (compared for latency-ecdf).
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  const { data, info } = await sharp(Buffer.from(svg), { density: DENSITY }).raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .withMetadata({ density: DENSITY })
    .png()
    .toBuffer();
}
