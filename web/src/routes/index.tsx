/**
 * The catalogue: search (with type-ahead), tag facets, sort and page live in the URL (shareable; back
 * works). Searches are ordered by relevance unless another order is chosen; matches are marked in the cards.
 * "Next page" follows the API's cursor (`after`, kept in the URL beside the page number), so page 200 costs
 * what page 1 does; see lib/pageCursors for "Previous".
 */
import { Button, Group, NativeSelect, SimpleGrid, Stack, Text, Title } from "@mantine/core"
import { useDebouncedCallback } from "@mantine/hooks"
import { useQuery } from "@tanstack/react-query"
import { createFileRoute, useNavigate } from "@tanstack/react-router"
import { useEffect, useState } from "react"
import { useTranslation } from "react-i18next"
import { catalogueQuery, effectiveSort, PAGE_SIZE, tagsQuery } from "@/api/queries"
import type { CatalogueSort } from "@/client"
import { CourseCard } from "@/components/CourseCard"
import { ErrorState } from "@/components/ErrorState"
import { Pager } from "@/components/Pager"
import { PopularStrip } from "@/components/PopularStrip"
import { SearchBox } from "@/components/SearchBox"
import { CardGridSkeleton } from "@/components/Skeletons"
import { TagFacets } from "@/components/TagFacets"
import { CURSOR_PATTERN, cursorFor, rememberCursor } from "@/lib/pageCursors"

const SORTS: CatalogueSort[] = ["relevance", "newest", "name", "popular"]

interface CatalogueSearch {
  q?: string
  tag?: string
  sort?: CatalogueSort
  page?: number
  /** The cursor of this page (only with `page`): the previous page's `next_after`. */
  after?: string
}

export const Route = createFileRoute("/")({
  validateSearch: (raw: Record<string, unknown>): CatalogueSearch => {
    const page = Number(raw.page)
    const paged = Number.isInteger(page) && page > 1
    return {
      q: typeof raw.q === "string" && raw.q ? raw.q : undefined,
      tag: typeof raw.tag === "string" && raw.tag ? raw.tag : undefined,
      sort: SORTS.includes(raw.sort as CatalogueSort) ? (raw.sort as CatalogueSort) : undefined,
      page: paged ? page : undefined,
      after: paged && typeof raw.after === "string" && CURSOR_PATTERN.test(raw.after) ? raw.after : undefined,
    }
  },
  component: Catalogue,
})

function Catalogue() {
  const { t } = useTranslation()
  const search = Route.useSearch()
  const navigate = useNavigate({ from: "/" })
  const [text, setText] = useState(search.q ?? "")
  const catalogue = useQuery(catalogueQuery(search))
  const tags = useQuery({ ...tagsQuery(), enabled: !search.q && !search.tag })

  useEffect(() => setText(search.q ?? ""), [search.q])
  useEffect(() => {
    if (search.page && search.after) rememberCursor(search, search.page, search.after)
  }, [search])

  const setSearch = (patch: Partial<CatalogueSearch>, replace = false) =>
    void navigate({ search: (prev) => ({ ...prev, page: undefined, after: undefined, ...patch }), replace })
  const pushQuery = useDebouncedCallback((q: string) => setSearch({ q: q.trim() || undefined }, true), 200)
  const filtered = Boolean(search.q || search.tag)
  const total = catalogue.data?.total ?? 0
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE))
  const page = search.page ?? 1
  // The page shown while the next one loads is the previous one: its cursor must not be followed.
  const nextAfter = catalogue.isPlaceholderData ? undefined : (catalogue.data?.next_after ?? undefined)
  const goToPage = (to: number) => {
    if (to === page + 1 && nextAfter) {
      rememberCursor(search, to, nextAfter)
      setSearch({ page: to, after: nextAfter })
    } else {
      setSearch(to > 1 ? { page: to, after: cursorFor(search, to) } : {})
    }
  }

  return (
    <Stack gap="lg">
      <Title order={1}>{t("catalogue.title")}</Title>
      <PopularStrip />
      <Group align="flex-end" gap="md" wrap="wrap" role="search">
        <SearchBox
          value={text}
          onChange={(value) => {
            setText(value)
            pushQuery(value)
          }}
          onSearch={(q) => {
            pushQuery.cancel()
            setSearch({ q: q.trim() || undefined })
          }}
        />
        <TagFacets
          facets={catalogue.data?.facets}
          fallback={tags.data}
          value={search.tag}
          onChange={(tag) => setSearch({ tag })}
        />
        <NativeSelect
          label={t("catalogue.sort")}
          value={effectiveSort(search)}
          onChange={(e) => setSearch({ sort: e.currentTarget.value as CatalogueSort })}
          data={[
            ...(search.q ? [{ value: "relevance", label: t("catalogue.sortRelevance") }] : []),
            { value: "newest", label: t("catalogue.sortNewest") },
            { value: "name", label: t("catalogue.sortName") },
            { value: "popular", label: t("catalogue.sortPopular") },
          ]}
          style={{ flex: "0 1 160px" }}
        />
      </Group>
      <section>
        <Text id="results-heading" component="h2" size="sm" fw={600} mb="sm" aria-live="polite">
          {catalogue.data ? t("catalogue.results", { count: total }) : "\u00a0"}
        </Text>
        {catalogue.isPending ? (
          <CardGridSkeleton />
        ) : catalogue.isError ? (
          <ErrorState error={catalogue.error} onRetry={() => void catalogue.refetch()} />
        ) : catalogue.data.items.length === 0 ? (
          <Stack align="flex-start">
            <Text>{filtered ? t("catalogue.empty") : t("catalogue.emptyNoFilters")}</Text>
            {filtered && (
              <Button variant="outline" onClick={() => setSearch({ q: undefined, tag: undefined })}>
                {t("catalogue.clearFilters")}
              </Button>
            )}
          </Stack>
        ) : (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} style={{ opacity: catalogue.isPlaceholderData ? 0.6 : 1 }}>
            {catalogue.data.items.map((c) => (
              <CourseCard key={c.id} course={c} />
            ))}
          </SimpleGrid>
        )}
      </section>
      {(pages > 1 || page > 1) && <Pager page={page} pages={pages} hasNext={Boolean(nextAfter)} onPage={goToPage} />}
    </Stack>
  )
}
