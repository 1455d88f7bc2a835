// Daily disaster-recovery copy: the newest EBS snapshots of volumes tagged ibet:backup=true
// (Data Lifecycle Manager takes them) and the newest automated Aurora cluster snapshots are
// copied to a second region, re-encrypted with that region's key; copies older than the
// retention are deleted there. The decisions are pure functions (planCopies, planPrunes);
// the handler only lists and acts.
import { emitMetrics, requiredEnv } from './shared.ts';

export interface Snapshot {
  id: string;
  createdAt: number;
}
export interface Copy {
  id: string;
  sourceId: string;
  createdAt: number;
}

/** At most this many copies start per kind and run (RDS allows 5 cross-region copies at once). */
export const MAX_COPIES_PER_RUN = 5;

/** Sources taken in the last `maxAgeHours` that have no copy yet, newest first. */
export function planCopies(
  sources: readonly Snapshot[],
  copies: readonly Copy[],
  now: number,
  maxAgeHours: number,
  limit = MAX_COPIES_PER_RUN,
): Snapshot[] {
  const copied = new Set(copies.map((c) => c.sourceId));
  return sources
    .filter((s) => !copied.has(s.id) && now - s.createdAt <= maxAgeHours * 3_600_000)
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, limit);
}

/** Copies older than the retention, except the newest one (a DR region is never left empty). */
export function planPrunes(copies: readonly Copy[], now: number, retentionDays: number): Copy[] {
  const newest = [...copies].sort((a, b) => b.createdAt - a.createdAt)[0];
  return copies.filter((c) => c !== newest && now - c.createdAt > retentionDays * 86_400_000);
}

/** The copy's name for an Aurora snapshot: deterministic, so a second run sees it exists. */
export function clusterCopyId(prefix: string, sourceId: string): string {
  return `${prefix}-dr-${sourceId.replace(/^rds:/, '').replace(/[^a-zA-Z0-9-]/g, '-')}`
    .replace(/-+/g, '-')
    .slice(0, 255);
}

export interface SnapshotApi {
  ebsSources(): Promise<Snapshot[]>;
  ebsCopies(): Promise<Copy[]>;
  copyEbs(source: Snapshot): Promise<void>;
  deleteEbs(copy: Copy): Promise<void>;
  clusterSources(): Promise<Snapshot[]>;
  clusterCopies(): Promise<Copy[]>;
  copyCluster(source: Snapshot): Promise<void>;
  deleteCluster(copy: Copy): Promise<void>;
}

export interface SnapshotCopyDeps {
  api: SnapshotApi;
  now: () => number;
  maxAgeHours: number;
  retentionDays: number;
  metrics?: (values: Record<string, number>) => void;
}

export async function copySnapshots(deps: SnapshotCopyDeps) {
  const metrics = deps.metrics ?? ((values) => emitMetrics(values, { Check: 'snapshot-copy' }));
  const { api } = deps;
  const now = deps.now();
  const ebsCopies = await api.ebsCopies();
  const clusterCopies = await api.clusterCopies();
  const ebs = planCopies(await api.ebsSources(), ebsCopies, now, deps.maxAgeHours);
  const clusters = planCopies(await api.clusterSources(), clusterCopies, now, deps.maxAgeHours);
  for (const s of ebs) await api.copyEbs(s);
  for (const s of clusters) await api.copyCluster(s);
  const prunedEbs = planPrunes(ebsCopies, now, deps.retentionDays);
  const prunedClusters = planPrunes(clusterCopies, now, deps.retentionDays);
  for (const c of prunedEbs) await api.deleteEbs(c);
  for (const c of prunedClusters) await api.deleteCluster(c);
  const result = {
    ebsCopied: ebs.length,
    clusterCopied: clusters.length,
    ebsPruned: prunedEbs.length,
    clusterPruned: prunedClusters.length,
  };
  // A DR region without any recent copy is what the alarm watches.
  const newest = Math.max(0, ...[...ebsCopies, ...clusterCopies].map((c) => c.createdAt));
  metrics({
    SnapshotsCopied: ebs.length + clusters.length,
    DrCopyAgeHours: newest ? Math.floor((now - newest) / 3_600_000) : 9999,
  });
  return result;
}

const DR_TAG = 'ibet:dr-copy';
const SOURCE_TAG = 'ibet:source-snapshot';

export async function handler() {
  const sourceRegion = requiredEnv('AWS_REGION');
  const drRegion = requiredEnv('IBET_DR_REGION');
  const drKey = requiredEnv('IBET_DR_KMS_KEY');
  const cluster = requiredEnv('IBET_DB_CLUSTER');
  const prefix = requiredEnv('IBET_PREFIX');
  const account = requiredEnv('IBET_ACCOUNT');
  const ec2 = await import('@aws-sdk/client-ec2');
  const rds = await import('@aws-sdk/client-rds');
  const src = new ec2.EC2Client({ region: sourceRegion });
  const dst = new ec2.EC2Client({ region: drRegion });
  const rdsSrc = new rds.RDSClient({ region: sourceRegion });
  const rdsDst = new rds.RDSClient({ region: drRegion });
  const time = (d: Date | string | undefined) => (d ? new Date(d).getTime() : 0);
  const tag = (tags: { Key?: string; Value?: string }[] | undefined, key: string) =>
    tags?.find((t) => t.Key === key)?.Value;
  const api: SnapshotApi = {
    async ebsSources() {
      const out = await src.send(
        new ec2.DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [
            { Name: 'tag:ibet:backup', Values: ['true'] },
            { Name: 'status', Values: ['completed'] },
          ],
        }),
      );
      return (out.Snapshots ?? []).map((s: { SnapshotId: string; StartTime: Date }) => ({
        id: s.SnapshotId,
        createdAt: time(s.StartTime),
      }));
    },
    async ebsCopies() {
      const out = await dst.send(
        new ec2.DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: `tag:${DR_TAG}`, Values: [prefix] }],
        }),
      );
      return (out.Snapshots ?? []).map(
        (s: {
          SnapshotId: string;
          StartTime: Date;
          Tags?: { Key?: string; Value?: string }[];
        }) => ({
          id: s.SnapshotId,
          sourceId: tag(s.Tags, SOURCE_TAG) ?? '',
          createdAt: time(s.StartTime),
        }),
      );
    },
    async copyEbs(source) {
      await dst.send(
        new ec2.CopySnapshotCommand({
          SourceRegion: sourceRegion,
          SourceSnapshotId: source.id,
          Encrypted: true,
          KmsKeyId: drKey,
          Description: `${prefix} DR copy of ${source.id}`,
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: [
                { Key: DR_TAG, Value: prefix },
                { Key: SOURCE_TAG, Value: source.id },
              ],
            },
          ],
        }),
      );
    },
    async deleteEbs(copy) {
      await dst.send(new ec2.DeleteSnapshotCommand({ SnapshotId: copy.id }));
    },
    async clusterSources() {
      const out = await rdsSrc.send(
        new rds.DescribeDBClusterSnapshotsCommand({
          DBClusterIdentifier: cluster,
          SnapshotType: 'automated',
        }),
      );
      return (out.DBClusterSnapshots ?? [])
        .filter((s: { Status?: string }) => s.Status === 'available')
        .map((s: { DBClusterSnapshotIdentifier: string; SnapshotCreateTime: Date }) => ({
          id: s.DBClusterSnapshotIdentifier,
          createdAt: time(s.SnapshotCreateTime),
        }));
    },
    async clusterCopies() {
      const out = await rdsDst.send(
        new rds.DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }),
      );
      // A copy's name derives from its source's (clusterCopyId): map it back.
      const sources = await this.clusterSources();
      const names = new Map(sources.map((s) => [clusterCopyId(prefix, s.id), s.id]));
      return (out.DBClusterSnapshots ?? [])
        .filter((s: { DBClusterSnapshotIdentifier: string }) =>
          s.DBClusterSnapshotIdentifier.startsWith(`${prefix}-dr-`),
        )
        .map((s: { DBClusterSnapshotIdentifier: string; SnapshotCreateTime: Date }) => ({
          id: s.DBClusterSnapshotIdentifier,
          sourceId: names.get(s.DBClusterSnapshotIdentifier) ?? s.DBClusterSnapshotIdentifier,
          createdAt: time(s.SnapshotCreateTime),
        }));
    },
    async copyCluster(source) {
      await rdsDst.send(
        new rds.CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${sourceRegion}:${account}:cluster-snapshot:${source.id}`,
          TargetDBClusterSnapshotIdentifier: clusterCopyId(prefix, source.id),
          KmsKeyId: drKey,
          SourceRegion: sourceRegion,
          CopyTags: true,
        }),
      );
    },
    async deleteCluster(copy) {
      await rdsDst.send(
        new rds.DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: copy.id }),
      );
    },
  };
  return copySnapshots({
    api,
    now: Date.now,
    maxAgeHours: Number(process.env.IBET_MAX_AGE_HOURS ?? 48),
    retentionDays: Number(process.env.IBET_DR_RETENTION_DAYS ?? 14),
  });
}
