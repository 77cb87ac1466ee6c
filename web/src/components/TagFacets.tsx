/**
 * The tag filter. With a search (or a tag chosen) it lists the page's facets: every tag among all the
 * matches with how many courses carry it. Plain browsing has no facets and falls back to the tags of
 * the popular courses. The chosen tag always stays in the list so it can be seen and cleared.
 */
import { NativeSelect } from "@mantine/core"
import { useTranslation } from "react-i18next"
import type { TagFacet } from "@/client"

interface Props {
  facets?: TagFacet[] | null
  fallback?: string[]
  value?: string
  onChange: (tag: string | undefined) => void
}

export function tagOptions(facets: TagFacet[] | null | undefined, fallback: string[], value: string | undefined,
  count: (tag: string, n: number) => string) {
  const options = facets
    ? facets.map((f) => ({ value: f.tag, label: count(f.tag, f.count) }))
    : fallback.map((tag) => ({ value: tag, label: tag }))
  if (value && !options.some((o) => o.value === value)) options.unshift({ value, label: value })
  return options
}

export function TagFacets({ facets, fallback = [], value, onChange }: Props) {
  const { t } = useTranslation()
  const options = tagOptions(facets, fallback, value, (tag, n) => t("catalogue.tagCount", { tag, count: n }))
  return (
    <NativeSelect
      label={t("catalogue.tag")}
      value={value ?? ""}
      onChange={(e) => onChange(e.currentTarget.value || undefined)}
      data={[{ value: "", label: t("catalogue.allTags") }, ...options]}
      style={{ flex: "0 1 220px" }}
    />
  )
}
