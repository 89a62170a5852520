/**
 * /favicon.ico, which browsers ask for on every page: a 16×16 icon (a white cross on teal) drawn
 * here as a 32-bit BMP inside an ICO, so the server ships no binary file for it.
 */
function drawIcon(): Buffer {
  const size = 16;
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cross = (x >= 6 && x <= 9 && y >= 3 && y <= 12) || (y >= 6 && y <= 9 && x >= 3 && x <= 12);
      const i = ((size - 1 - y) * size + x) * 4; // BMP rows go bottom-up, BGRA
      pixels.set(cross ? [255, 255, 255, 255] : [0x8a, 0x96, 0x12, 255], i);
    }
  }
  const mask = Buffer.alloc(size * 4); // AND mask: 16 rows of 32 bits, all opaque
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(size, 4);
  info.writeInt32LE(size * 2, 8); // colour and mask heights together
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  info.writeUInt32LE(pixels.length + mask.length, 20);
  const image = Buffer.concat([info, pixels, mask]);
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(size, 6);
  header.writeUInt8(size, 7);
  header.writeUInt16LE(1, 10);
  header.writeUInt16LE(32, 12);
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(header.length, 18);
  return Buffer.concat([header, image]);
}

export const FAVICON = drawIcon();
