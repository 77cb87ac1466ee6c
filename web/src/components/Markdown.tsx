/** Sanitised Markdown (see lib/markdown): the only place course text becomes HTML. */
import { TypographyStylesProvider } from "@mantine/core"
import { useMemo } from "react"
import { renderMarkdown } from "@/lib/markdown"

export function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source])
  return (
    <TypographyStylesProvider>
      <div className="oms-markdown" dangerouslySetInnerHTML={{ __html: html }} />
    </TypographyStylesProvider>
  )
}
