/**
 * A QR code as a grayscale PNG, written directly: the modules scaled to whole pixels (crisp edges
 * a camera reads at once), compressed with zlib. qrcode's own PNG renderer goes through pngjs,
 * which is some twenty times slower inside the test runner.
 */
import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A PNG about `width` pixels wide (whole pixels per module), with a quiet zone of `margin` modules. */
export function qrPng(text: string, options: { width: number; margin?: number }): Buffer {
  const margin = options.margin ?? 2;
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const scale = Math.max(1, Math.round(options.width / (size + 2 * margin)));
  const side = (size + 2 * margin) * scale;
  // One filter byte (0: none) before each row of 8-bit gray pixels; white everywhere to start.
  const rows = Buffer.alloc((side + 1) * side, 255);
  for (let y = 0; y < side; y += 1) {
    rows[y * (side + 1)] = 0;
    const row = Math.floor(y / scale) - margin;
    if (row < 0 || row >= size) continue;
    for (let x = 0; x < side; x += 1) {
      const column = Math.floor(x / scale) - margin;
      if (column >= 0 && column < size && qr.modules.get(row, column)) rows[y * (side + 1) + 1 + x] = 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, grayscale, deflate, adaptive filtering, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
