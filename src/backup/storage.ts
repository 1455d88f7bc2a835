// Where backups live: a directory, or an S3 bucket and prefix (s3://bucket/prefix). A backup
// is two objects: the dump and its manifest (`<name>.manifest.json`).
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export interface BackupStore {
  /** For messages: the directory or s3:// URL. */
  readonly location: string;
  /** A directory the dump can be written to directly (local stores), else undefined. */
  readonly directory: string | undefined;
  /** Stores `localFile` as `name` (nothing to do when it is already there). */
  put(localFile: string, name: string): Promise<void>;
  /** Copies `name` to `localFile` (or returns its path when it is local already). */
  get(name: string, localFile: string): Promise<string>;
  /** Names of the manifests, oldest first. */
  manifests(): Promise<string[]>;
}

export interface S3Options {
  region?: string | undefined;
  endpoint?: string | undefined;
}

export function openStore(location: string, s3: S3Options = {}): BackupStore {
  if (location.startsWith('s3://')) return s3Store(location, s3);
  return localStore(path.resolve(location));
}

function localStore(directory: string): BackupStore {
  mkdirSync(directory, { recursive: true });
  return {
    location: directory,
    directory,
    async put(localFile, name) {
      const target = path.join(directory, name);
      if (path.resolve(localFile) !== target)
        await pipeline(createReadStream(localFile), createWriteStream(target));
    },
    async get(name) {
      return path.join(directory, name);
    },
    async manifests() {
      return readdirSync(directory)
        .filter((f) => f.endsWith('.manifest.json'))
        .map((f) => ({ f, at: statSync(path.join(directory, f)).mtimeMs }))
        .sort((a, b) => a.at - b.at || a.f.localeCompare(b.f))
        .map((x) => x.f);
    },
  };
}

function s3Store(location: string, options: S3Options): BackupStore {
  const url = new URL(location);
  const bucket = url.hostname;
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  const key = (name: string) => (prefix ? `${prefix}/${name}` : name);
  const client = new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // Plain PUTs with a known length: no streaming trailers, which S3-compatible stores differ on.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    location,
    directory: undefined,
    async put(localFile, name) {
      // One PUT (objects up to 5 GB); the manifest's SHA-256 is checked again at restore.
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key(name),
          Body: createReadStream(localFile),
          ContentLength: statSync(localFile).size,
          ContentType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        }),
      );
    },
    async get(name, localFile) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(name) }));
      await pipeline(object.Body as Readable, createWriteStream(localFile));
      return localFile;
    },
    async manifests() {
      const names: { name: string; at: number }[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix ? `${prefix}/` : undefined,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) {
          const name = (object.Key ?? '').slice(prefix ? prefix.length + 1 : 0);
          if (name.endsWith('.manifest.json') && !name.includes('/'))
            names.push({ name, at: object.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names.sort((a, b) => a.at - b.at || a.name.localeCompare(b.name)).map((n) => n.name);
    },
  };
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}
