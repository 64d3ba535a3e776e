import path from 'node:path';

const IMAGE_MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

const OTHER_MIME: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.svg': 'image/svg+xml',
  '.bmp': 'image/bmp',
  '.ico': 'image/x-icon',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.ts': 'text/x-typescript',
  '.txt': 'text/plain',
};

// Extensions that are never worth sniffing: the content is binary by definition.
const BINARY_EXTENSIONS = new Set(
  (
    '.zip .tar .gz .tgz .bz2 .xz .7z .rar .exe .dll .so .dylib .a .o .obj .lib .class .jar .war .pyc .pyo ' +
    '.wasm .bin .dat .db .sqlite .sqlite3 .mp3 .mp4 .avi .mov .mkv .wav .flac .ogg .webm .ttf .otf .woff ' +
    '.woff2 .eot .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .psd .ico .bmp .tif .tiff .iso .dmg'
  ).split(' '),
);

/** MIME type of an image the models can look at, or undefined. */
export function imageMime(file: string): string | undefined {
  return IMAGE_MIME[path.extname(file).toLowerCase()];
}

export function isPdf(file: string): boolean {
  return path.extname(file).toLowerCase() === '.pdf';
}

export function mimeOf(file: string): string {
  const ext = path.extname(file).toLowerCase();
  return IMAGE_MIME[ext] ?? OTHER_MIME[ext] ?? 'application/octet-stream';
}

/**
 * Binary sniffing: a known binary extension, a NUL byte in the first 8 KB, or mostly control characters.
 * UTF-8 multi-byte sequences are bytes >= 0x80 and do not count against the file.
 */
export function isBinary(file: string, data: Buffer): boolean {
  if (BINARY_EXTENSIONS.has(path.extname(file).toLowerCase())) return true;
  const sample = data.subarray(0, 8192);
  if (sample.length === 0) return false;
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return true;
    if (byte < 9 || (byte > 13 && byte < 32)) control++;
  }
  return control / sample.length > 0.3;
}

export function dataUrl(mime: string, data: Buffer): string {
  return `data:${mime};base64,${data.toString('base64')}`;
}
