/**
 * The catalogue's search box: a combobox offering course names as the student types (debounced,
 * typos allowed by the API). Arrow keys move through the suggestions, Enter picks one or searches for
 * what was typed, Escape closes the list. Picking a suggestion searches for that name.
 */
import { Autocomplete } from "@mantine/core"
import { useDebouncedValue } from "@mantine/hooks"
import { useQuery } from "@tanstack/react-query"
import { useEffect, useRef, useState } from "react"
import { useTranslation } from "react-i18next"
import { suggestQuery } from "@/api/queries"

interface Props {
  value: string
  onChange: (text: string) => void
  onSearch: (q: string) => void
}

export function SearchBox({ value, onChange, onSearch }: Props) {
  const { t } = useTranslation()
  const [typed] = useDebouncedValue(value.trim(), 150)
  const suggestions = useQuery(suggestQuery(typed))
  const picked = useRef(false)
  const [open, setOpen] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const data = value.trim() ? [...new Set(suggestions.data ?? [])] : []
  const expanded = open && data.length > 0
  // A combobox must say whether its list is shown; Mantine's Autocomplete leaves aria-expanded out (and
  // would overwrite a prop with undefined), so it is set on the element itself.
  useEffect(() => input.current?.setAttribute("aria-expanded", String(expanded)), [expanded])

  return (
    <Autocomplete
      label={t("catalogue.search")}
      // Mantine gives the input the listbox wiring (aria-controls, aria-activedescendant) but no role.
      role="combobox"
      aria-autocomplete="list"
      ref={input}
      onDropdownOpen={() => setOpen(true)}
      onDropdownClose={() => setOpen(false)}
      value={value}
      onChange={onChange}
      data={data}
      // The API already matched (with typos); filtering again here would hide "python" for "pyhton".
      filter={({ options }) => options}
      limit={8}
      onOptionSubmit={(name) => {
        picked.current = true
        onSearch(name)
      }}
      onKeyDown={(e) => {
        if (e.key !== "Enter" || e.nativeEvent.isComposing) return
        // Mantine submits a highlighted suggestion right after this handler; search the text only if not.
        queueMicrotask(() => {
          if (!picked.current) onSearch(value)
          picked.current = false
        })
      }}
      comboboxProps={{ withinPortal: true }}
      style={{ flex: "1 1 240px" }}
    />
  )
}
