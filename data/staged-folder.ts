/**
 * An output folder, whole or nothing. The work writes into a staging folder beside the target
 * (`<target>.partial-XXXXXX`, same file system); `commit()` moves the previous folder aside,
 * renames the staging folder into place and deletes the previous one. Until then the target is
 * exactly as it was, so a run that fails or is interrupted never leaves a mix of two runs, and
 * never destroys the last good one. Whether the folder can be written is found out before any
 * work starts, as an input error naming the folder and the reason.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './input-error.ts';

/** An output that cannot be written where the user asked (exit status 2). */
export class OutputFolderError extends InputError {
  override name = 'OutputFolderError';
}

const reasonOf = (e: unknown) => ((e as NodeJS.ErrnoException).code ? `${(e as NodeJS.ErrnoException).code}: ${(e as Error).message.replace(/^[A-Z]+: /, '')}` : String(e));

/**
 * Creates `dir` if needed and proves a file can be created in it (a probe file, removed again):
 * permission bits alone do not say (root ignores them; a read-only mount does not show in them).
 */
export function checkWritableFolder(dir: string, flag: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OutputFolderError({ file: dir, field: flag }, 'is a file, not a folder');
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = resolve(dir, `.vamm-write-check-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    if (e instanceof OutputFolderError) throw e;
    throw new OutputFolderError({ file: dir, field: flag }, `cannot write here (${reasonOf(e)})`);
  }
}

/** The folder an output file goes into must be writable (checked before the work). */
export function checkWritableFile(file: string, flag: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new OutputFolderError({ file, field: flag }, 'is a folder, not a file');
  checkWritableFolder(dirname(resolve(file)), flag);
}

export interface StageOptions {
  /** The flag that named the target (for messages). */
  readonly flag: string;
  /** File names this command writes: an existing target may hold these and nothing else. */
  readonly outputs: readonly string[];
  /** Why those names (for the message when others are there), e.g. "vamm run". */
  readonly writer: string;
}

export class StagedFolder {
  private done = false;
  private staging: string | null = null;

  private constructor(
    readonly target: string,
    private readonly flag: string,
  ) {}

  /** Where the work writes; becomes the target on commit. Made on first use (nothing is left behind by work that fails before writing). */
  get path(): string {
    if (this.staging === null) {
      try {
        // mkdir, not mkdtemp: the folder becomes the output, with the usual permissions (umask), not 0700.
        const path = `${this.target}.partial-${randomBytes(4).toString('hex')}`;
        mkdirSync(path);
        this.staging = path;
      } catch (e) {
        throw new OutputFolderError({ file: this.target, field: this.flag }, `cannot write beside it (${reasonOf(e)})`);
      }
    }
    return this.staging;
  }

  static begin(target: string, o: StageOptions): StagedFolder {
    const full = resolve(target);
    if (existsSync(full)) {
      if (!statSync(full).isDirectory()) throw new OutputFolderError({ file: target, field: o.flag }, 'is a file, not a folder');
      const foreign = readdirSync(full).filter((name) => !o.outputs.includes(name));
      if (foreign.length > 0) {
        throw new OutputFolderError(
          { file: target, field: o.flag },
          `holds files ${o.writer} does not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); it would replace the whole folder: choose a new or empty folder`,
        );
      }
    }
    checkWritableFolder(dirname(full), o.flag);
    return new StagedFolder(full, o.flag);
  }

  /** Puts the staged folder in the target's place (the previous one goes only once the new one is there). */
  commit(): void {
    if (this.done) throw new Error(`${this.target}: already committed or discarded`);
    let previous: string | null = null;
    if (existsSync(this.target)) {
      previous = `${this.target}.replaced-${randomBytes(4).toString('hex')}`;
      renameSync(this.target, previous);
    }
    try {
      renameSync(this.path, this.target);
    } catch (e) {
      if (previous) renameSync(previous, this.target);
      throw e;
    }
    this.done = true;
    if (previous) rmSync(previous, { recursive: true, force: true });
  }

  /** Drops the staged work (the target is untouched). */
  discard(): void {
    if (this.done) return;
    this.done = true;
    if (this.staging !== null) rmSync(this.staging, { recursive: true, force: true });
  }
}
