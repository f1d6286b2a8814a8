import type { TenantSlugReader } from '@scep/persistence-read';
import { TenantSlugs } from './tenant-slugs';

describe('tenant slugs for metric labels', () => {
  it('reads missing slugs in one query and caches them', async () => {
    const slugsOf = jest.fn(async (ids: readonly string[]) => new Map(ids.filter((id) => id !== 'gone').map((id) => [id, `slug-of-${id}`])));
    const slugs = new TenantSlugs({ slugsOf } as unknown as TenantSlugReader);
    expect(await slugs.slugsOf(['a', 'b', 'gone'])).toEqual(new Map([['a', 'slug-of-a'], ['b', 'slug-of-b'], ['gone', '']]));
    expect(await slugs.slugOf('a')).toBe('slug-of-a');
    expect(slugsOf).toHaveBeenCalledTimes(1);
  });

  it('labels "" when the slugs cannot be read (a role without tenancy.tenants, a database outage), and never throws', async () => {
    const slugs = new TenantSlugs({ slugsOf: async () => Promise.reject(new Error('permission denied for table tenants')) } as unknown as TenantSlugReader);
    expect(await slugs.slugOf('a')).toBe('');
    expect(await slugs.slugsOf(['a', 'b'])).toEqual(new Map([['a', ''], ['b', '']]));
  });
});
