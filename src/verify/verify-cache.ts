import type { TokenSnapshot } from './verify.types';

interface Entry {
  /** null: the value is known not to exist. */
  snapshot: TokenSnapshot | null;
  /** When the storage read this answer came from started (epoch ms): its age counts from there. */
  storedAt: number;
}

/**
 * Verification results by value hash, bounded in size, indexed by every id that can invalidate
 * them (the token, its subject, its owner, its kind's related ids), so one eviction message covers e.g. all access
 * tokens of a disabled app.
 */
export class VerifyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byRelatedId = new Map<string, Set<string>>();

  constructor(private readonly maxEntries: number) {}

  get(hash: string, maxAgeMs: number, now: number): Entry | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (now - entry.storedAt > maxAgeMs) {
      this.delete(hash);
      return undefined;
    }
    return entry;
  }

  set(hash: string, snapshot: TokenSnapshot | null, now: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    this.delete(hash);
    this.entries.set(hash, { snapshot, storedAt: now });
    if (snapshot) for (const id of relatedIds(snapshot)) this.link(id, hash);
  }

  /** Forgets every entry related to `id` (a token, subject or owner id). */
  evict(id: string): void {
    const hashes = this.byRelatedId.get(id);
    if (!hashes) return;
    for (const hash of [...hashes]) this.delete(hash);
  }

  clear(): void {
    this.entries.clear();
    this.byRelatedId.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private link(id: string, hash: string): void {
    let hashes = this.byRelatedId.get(id);
    if (!hashes) this.byRelatedId.set(id, (hashes = new Set()));
    hashes.add(hash);
  }

  private delete(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    if (!entry.snapshot) return;
    for (const id of relatedIds(entry.snapshot)) {
      const hashes = this.byRelatedId.get(id);
      hashes?.delete(hash);
      if (hashes?.size === 0) this.byRelatedId.delete(id);
    }
  }
}

function relatedIds(snapshot: TokenSnapshot): string[] {
  const ids = [snapshot.tokenId];
  if (snapshot.subjectId) ids.push(snapshot.subjectId);
  if (snapshot.ownerId) ids.push(snapshot.ownerId);
  if (snapshot.relatedIds) ids.push(...snapshot.relatedIds);
  return ids;
}
