// Minimal reader/writer for iden3's sectioned binary container (the layout of
// .ptau, .zkey and .r1cs: 4-byte magic, u32 version, u32 section count, then
// [u32 id, u64 size, bytes] per section). Writing it ourselves lets the setup
// stream hundreds of MB to disk without @iden3/binfileutils' page cache, and
// byte-for-byte reproducibly.
import { open, rename, rm, type FileHandle } from "node:fs/promises";

export class BinWriter {
  private pos = 0;
  private sectionStart: number | undefined;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmpPath: string,
    private readonly finalPath: string,
  ) {}

  /** Writes to `<path>.tmp` and renames on close, so a crash never leaves a half file in the cache. */
  static async create(path: string, magic: string, version: number, nSections: number): Promise<BinWriter> {
    const tmp = `${path}.tmp`;
    const w = new BinWriter(await open(tmp, "w"), tmp, path);
    if (magic.length !== 4) throw new Error("magic must be 4 characters");
    await w.write(Buffer.from(magic, "latin1"));
    await w.u32(version);
    await w.u32(nSections);
    return w;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await this.fh.write(bytes, off, bytes.byteLength - off, this.pos);
      off += bytesWritten;
      this.pos += bytesWritten;
    }
  }

  async u32(v: number): Promise<void> {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    await this.write(b);
  }

  async startSection(id: number): Promise<void> {
    if (this.sectionStart !== undefined) throw new Error("section already open");
    await this.u32(id);
    this.sectionStart = this.pos;
    await this.write(new Uint8Array(8));
  }

  async endSection(): Promise<void> {
    if (this.sectionStart === undefined) throw new Error("no open section");
    const size = this.pos - this.sectionStart - 8;
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(size));
    await this.fh.write(b, 0, 8, this.sectionStart);
    this.sectionStart = undefined;
  }

  async close(): Promise<void> {
    if (this.sectionStart !== undefined) throw new Error("section left open");
    await this.fh.close();
    await rename(this.tmpPath, this.finalPath);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }
}

export interface Section {
  /** Offset of the section body in the file. */
  pos: number;
  size: number;
}

export class BinReader {
  private constructor(
    private readonly fh: FileHandle,
    readonly sections: Map<number, Section>,
  ) {}

  static async open(path: string, magic: string): Promise<BinReader> {
    const fh = await open(path, "r");
    try {
      const { size: fileSize } = await fh.stat();
      const head = Buffer.alloc(12);
      await fh.read(head, 0, 12, 0);
      if (head.toString("latin1", 0, 4) !== magic) throw new Error(`${path}: not a ${magic} file`);
      const n = head.readUInt32LE(8);
      const sections = new Map<number, Section>();
      let pos = 12;
      const h = Buffer.alloc(12);
      for (let i = 0; i < n; i++) {
        await fh.read(h, 0, 12, pos);
        const id = h.readUInt32LE(0);
        const size = Number(h.readBigUInt64LE(4));
        if (sections.has(id)) throw new Error(`${path}: duplicated section ${id}`);
        if (pos + 12 + size > fileSize) throw new Error(`${path}: truncated section ${id}`);
        sections.set(id, { pos: pos + 12, size });
        pos += 12 + size;
      }
      return new BinReader(fh, sections);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  section(id: number): Section {
    const s = this.sections.get(id);
    if (!s) throw new Error(`missing section ${id}`);
    return s;
  }

  /** Reads raw bytes at an absolute file offset (may cross section ends, as snarkjs does). */
  async readAt(pos: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let off = 0;
    while (off < length) {
      const { bytesRead } = await this.fh.read(out, off, length - off, pos + off);
      if (bytesRead === 0) throw new Error("unexpected end of file");
      off += bytesRead;
    }
    return out;
  }

  async readSection(id: number, offset = 0, length?: number): Promise<Uint8Array> {
    const s = this.section(id);
    const len = length ?? s.size - offset;
    if (offset + len > s.size) throw new Error(`read past the end of section ${id}`);
    return this.readAt(s.pos + offset, len);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
