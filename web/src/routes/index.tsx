/** The catalogue: search, tag filter, sort and page live in the URL (shareable; back works). */
import { Button, Group, NativeSelect, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core"
import { useDebouncedCallback } from "@mantine/hooks"
import { useQuery } from "@tanstack/react-query"
import { createFileRoute, useNavigate } from "@tanstack/react-router"
import { useEffect, useState } from "react"
import { useTranslation } from "react-i18next"
import { catalogueQuery, PAGE_SIZE, tagsQuery } from "@/api/queries"
import type { CatalogueSort } from "@/client"
import { CourseCard } from "@/components/CourseCard"
import { ErrorState } from "@/components/ErrorState"
import { Pager } from "@/components/Pager"
import { PopularStrip } from "@/components/PopularStrip"
import { CardGridSkeleton } from "@/components/Skeletons"

const SORTS: CatalogueSort[] = ["newest", "name", "popular"]

interface CatalogueSearch {
  q?: string
  tag?: string
  sort?: CatalogueSort
  page?: number
}

export const Route = createFileRoute("/")({
  validateSearch: (raw: Record<string, unknown>): CatalogueSearch => {
    const page = Number(raw.page)
    return {
      q: typeof raw.q === "string" && raw.q ? raw.q : undefined,
      tag: typeof raw.tag === "string" && raw.tag ? raw.tag : undefined,
      sort: SORTS.includes(raw.sort as CatalogueSort) ? (raw.sort as CatalogueSort) : undefined,
      page: Number.isInteger(page) && page > 1 ? page : undefined,
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
  const tags = useQuery(tagsQuery())

  useEffect(() => setText(search.q ?? ""), [search.q])

  const setSearch = (patch: Partial<CatalogueSearch>, replace = false) =>
    void navigate({ search: (prev) => ({ ...prev, page: undefined, ...patch }), replace })
  const pushQuery = useDebouncedCallback((q: string) => setSearch({ q: q.trim() || undefined }, true), 200)
  const filtered = Boolean(search.q || search.tag)
  const total = catalogue.data?.total ?? 0
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE))

  return (
    <Stack gap="lg">
      <Title order={1}>{t("catalogue.title")}</Title>
      <PopularStrip />
      <Group align="flex-end" gap="md" wrap="wrap" role="search">
        <TextInput
          label={t("catalogue.search")}
          type="search"
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value)
            pushQuery(e.currentTarget.value)
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") setSearch({ q: text.trim() || undefined })
          }}
          style={{ flex: "1 1 240px" }}
        />
        <NativeSelect
          label={t("catalogue.tag")}
          value={search.tag ?? ""}
          onChange={(e) => setSearch({ tag: e.currentTarget.value || undefined })}
          data={[{ value: "", label: t("catalogue.allTags") }, ...(tags.data ?? []).map((x) => ({ value: x, label: x }))]}
          style={{ flex: "0 1 200px" }}
        />
        <NativeSelect
          label={t("catalogue.sort")}
          value={search.sort ?? "newest"}
          onChange={(e) => setSearch({ sort: e.currentTarget.value as CatalogueSort })}
          data={[
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
      {pages > 1 && <Pager page={search.page ?? 1} pages={pages} onPage={(page) => setSearch({ page })} />}
    </Stack>
  )
}
