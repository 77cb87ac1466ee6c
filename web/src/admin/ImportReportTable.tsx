/**
 * The import report: filter by result and text, download as CSV, and a virtualised list of rows
 * (@tanstack/react-virtual) so a 10,000-item report renders only what is on screen.
 */
import { Group, SegmentedControl, Stack, Text, TextInput, Button } from "@mantine/core"
import { useMediaQuery } from "@mantine/hooks"
import { useVirtualizer } from "@tanstack/react-virtual"
import { useDeferredValue, useMemo, useRef, useState } from "react"
import { useTranslation } from "react-i18next"
import type { ImportReport } from "./importReport"
import type { ItemFilter } from "./importReport"
import { download, errorText, filterItems, reportCsv } from "./importReport"

const ROW = 40
const COLUMNS = "70px 70px minmax(120px, 1fr) 110px minmax(200px, 2fr)"

export function ImportReportTable({ report }: { report: ImportReport }) {
  const { t, i18n } = useTranslation()
  const [status, setStatus] = useState<ItemFilter>(report.failed ? "failed" : "all")
  const [text, setText] = useState("")
  const deferredText = useDeferredValue(text)
  const lang = i18n.language
  const rows = useMemo(() => filterItems(report.items, status, deferredText, t, lang), [report.items, status, deferredText, t, lang])
  const scroller = useRef<HTMLDivElement>(null)
  // Rows are measured as they render: a failure's whole message wraps onto more lines instead of being cut.
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 })
  const nf = new Intl.NumberFormat(i18n.language)
  // Six choices do not fit across a phone: stacked there, so the page never scrolls sideways.
  const narrow = useMediaQuery("(max-width: 40em)")

  return (
    <Stack gap="sm">
      <Group align="flex-end" wrap="wrap">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="report-filter">
            {t("admin.import.filter")}
          </Text>
          <SegmentedControl
            aria-labelledby="report-filter"
            orientation={narrow ? "vertical" : "horizontal"}
            value={status}
            onChange={(v) => setStatus(v as ItemFilter)}
            data={(["all", "created", "updated", "unchanged", "failed", "skipped"] as const).map((s) => ({
              value: s,
              label: s === "all" ? `${t("admin.common.all")} ${nf.format(report.items.length)}` : `${t(`admin.import.${s}`)} ${nf.format(report[s])}`,
            }))}
          />
        </Stack>
        <TextInput label={t("admin.import.filterText")} value={text} onChange={(e) => setText(e.currentTarget.value)} type="search" />
        <Button variant="default" onClick={() => download("import-report.csv", reportCsv(rows, t, lang), "text/csv;charset=utf-8")}>
          {t("admin.import.download")}
        </Button>
      </Group>
      <Text size="sm" aria-live="polite">
        {t("admin.import.shown", { count: report.items.length, shown: nf.format(rows.length), total: nf.format(report.items.length) })}
      </Text>
      <div role="table" aria-label={t("admin.import.report")} aria-rowcount={rows.length + 1} className="oms-vtable">
        <div role="rowgroup">
          <div role="row" className="oms-vrow oms-vhead" style={{ gridTemplateColumns: COLUMNS }}>
            {(["item", "line", "slug", "result", "message"] as const).map((c) => (
              <div role="columnheader" key={c}>
                {t(`admin.import.${c}`)}
              </div>
            ))}
          </div>
        </div>
        {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must take focus so the keyboard can scroll it */}
        <div ref={scroller} role="rowgroup" style={{ height: Math.min(480, Math.max(ROW, rows.length * ROW)), overflow: "auto" }} tabIndex={0} aria-label={t("admin.import.report")}>
          <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
            {virtual.getVirtualItems().map((v) => {
              const item = rows[v.index]!
              return (
                <div
                  role="row"
                  aria-rowindex={v.index + 2}
                  key={v.key}
                  data-index={v.index}
                  ref={virtual.measureElement}
                  className="oms-vrow"
                  data-status={item.status}
                  style={{ gridTemplateColumns: COLUMNS, position: "absolute", top: 0, left: 0, right: 0, minHeight: ROW, transform: `translateY(${v.start}px)` }}
                >
                  <div role="cell">{item.index + 1}</div>
                  <div role="cell">{item.line ?? ""}</div>
                  <div role="cell" className="oms-ellipsis">{item.slug ?? ""}</div>
                  <div role="cell">{t(`admin.import.${item.status}`)}</div>
                  <div role="cell" style={{ overflowWrap: "anywhere", padding: "6px 0" }}>
                    {errorText(item, t, lang)}
                  </div>
                </div>
              )
            })}
          </div>
        </div>
      </div>
    </Stack>
  )
}
