// Sports and their competitions: a side list on wide screens, chips on a phone.
import { useI18n } from '../../lib/i18n.tsx';
import { href } from '../../lib/router.ts';
import { upcomingOf, useCatalog } from './catalog-data.tsx';

export interface CatalogFilter {
  sport?: string | undefined;
  competitionId?: string | undefined;
}

export function SportsNav({ filter }: { filter: CatalogFilter }) {
  const { t, number } = useI18n();
  const { sports } = useCatalog();
  const current = sports?.find(
    (s) => s.slug === filter.sport || s.competitions.some((c) => c.id === filter.competitionId),
  );
  return (
    <nav className="sports-nav" aria-label={t('nav.sports')}>
      <ul className="chips">
        <li>
          <a className="chip" href="#/" aria-current={!current ? 'page' : undefined}>
            {t('nav.allSports')}
          </a>
        </li>
        {(sports ?? [])
          .filter((s) => upcomingOf(s) > 0)
          .map((sport) => (
            <li key={sport.id}>
              <a
                className="chip"
                href={href('sport', sport.slug)}
                aria-current={
                  current?.id === sport.id && !filter.competitionId ? 'page' : undefined
                }
              >
                {sport.name} <span className="count">{number(upcomingOf(sport))}</span>
              </a>
            </li>
          ))}
      </ul>
      {current ? (
        <ul className="competitions" aria-label={t('nav.competitionsOf', { sport: current.name })}>
          {current.competitions
            .filter((c) => c.upcomingEvents > 0)
            .map((c) => (
              <li key={c.id}>
                <a
                  href={href('competition', c.id)}
                  aria-current={filter.competitionId === c.id ? 'page' : undefined}
                >
                  {c.name}
                  {c.country ? <span className="muted"> · {c.country}</span> : null}{' '}
                  <span className="count">{number(c.upcomingEvents)}</span>
                </a>
              </li>
            ))}
        </ul>
      ) : null}
    </nav>
  );
}
