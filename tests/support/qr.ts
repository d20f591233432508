import jsQR from 'jsqr';
import { PNG } from 'pngjs';

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Reads a QR code the way a phone's camera would, from pixels; rejects when there is none. */
export async function decodeQr(image: RgbaImage): Promise<string> {
  const found = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height);
  if (!found) throw new Error('no QR code in the image');
  return found.data;
}

/** The text of the QR code in a PNG (a data URL or the file's bytes). */
export function readQrPng(png: Buffer | string): Promise<string> {
  const bytes = typeof png === 'string' ? Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64') : png;
  const image = PNG.sync.read(bytes);
  return decodeQr({ width: image.width, height: image.height, data: new Uint8Array(image.data) });
}
