import { Random } from './random';

/** A set that can also pick a uniform random member in O(1) (removal swaps with the last). */
export class IndexedSet<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<T, number>();

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.index.has(item);
  }

  add(item: T): void {
    if (this.index.has(item)) return;
    this.index.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: T): void {
    const at = this.index.get(item);
    if (at === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(item);
    if (at < this.items.length) {
      this.items[at] = last;
      this.index.set(last, at);
    }
  }

  /** A uniform random member; undefined when empty. */
  pick(rng: Random): T | undefined {
    return this.items.length === 0 ? undefined : this.items[Math.floor(rng.float() * this.items.length)];
  }

  values(): readonly T[] {
    return this.items;
  }
}
