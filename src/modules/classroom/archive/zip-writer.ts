import type { Readable } from 'node:stream';
import * as yazl from 'yazl';

export interface ZipItem {
  /** Path inside the archive, forward slashes. */
  path: string;
  /** Either bytes in memory or a file on disk (read when the stream gets there). */
  data?: Buffer;
  file?: string;
}

/** A zip of these items as a stream; nothing is buffered beyond the item being written. */
export function zipStream(items: Iterable<ZipItem>): Readable {
  const zip = new yazl.ZipFile();
  const when = new Date();
  for (const item of items) {
    if (item.data) zip.addBuffer(item.data, item.path, { mtime: when, mode: 0o100644 });
    else if (item.file) zip.addFile(item.file, item.path, { mtime: when, mode: 0o100644 });
  }
  zip.end();
  return zip.outputStream as Readable;
}
